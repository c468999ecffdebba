package dev.editstream.core.hostile;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.DisplayNameGenerator;

/**
 * Display names for hostile-corpus tests: {@code "<surface>: should refuse a thing"} from the
 * class's {@link Surface} and the method name {@code shouldRefuseAThing}.
 */
public final class SurfaceNames extends DisplayNameGenerator.Standard {
  @Override
  public String generateDisplayNameForMethod(
      List<Class<?>> enclosing, Class<?> testClass, Method testMethod) {
    Surface s = testClass.getAnnotation(Surface.class);
    String words =
        testMethod.getName().replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    return s == null ? words : s.value() + ": " + words;
  }
}
