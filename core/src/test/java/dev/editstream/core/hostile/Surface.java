package dev.editstream.core.hostile;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The attack surface a hostile-corpus test class covers ({@code "job line"}, {@code "kafka
 * record"}, {@code "text"}, {@code "retry-after"}, ...). With {@link SurfaceNames}, every plain
 * test method's display name starts with {@code "<surface>: "}; parameterized cases put the surface
 * at the start of their {@code name} pattern themselves.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Surface {
  /** The surface, lower case, e.g. {@code "kafka record"}. */
  String value();
}
