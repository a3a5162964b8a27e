package dev.attn4j.models.tokenizer;

/**
 * One token: its vocabulary entry and the {@code [start, end)} span of the original text it came from
 * ({@code String} indices; {@code [0, 0)} for inserted special tokens). Immutable.
 *
 * <p>Stability: stable since 0.1.
 *
 * @param text the vocabulary string, e.g. {@code "##ing"} or {@code "[UNK]"}
 * @param id its id
 * @param start first char of the source span
 * @param end one past its last char
 */
public record Token(String text, int id, int start, int end) {}
