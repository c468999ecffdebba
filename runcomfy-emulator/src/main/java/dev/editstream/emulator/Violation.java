package dev.editstream.emulator;

/**
 * One way a submitted body breaks its model's {@code input_schema}, as the emulator reports it in a
 * 422 ({@code detail[].loc = ["body", field]}, {@code detail[].msg = rule}).
 *
 * @param field the field, e.g. {@code images}, {@code size} or {@code loras[0].scale}; {@code "$"}
 *     for the body as a whole
 * @param rule what is wrong, in words (e.g. {@code must have at most 10 items})
 */
public record Violation(String field, String rule) {}
