package dev.attn4j.cli;

/** Bad input data (a malformed JSONL line, an id outside the vocabulary): exit status 1, one line on stderr. */
final class DataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DataException(String message) {
    super(message);
  }

  DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
