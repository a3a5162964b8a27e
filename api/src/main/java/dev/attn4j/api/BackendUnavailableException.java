package dev.attn4j.api;

/**
 * A backend was asked for by name but is unknown or cannot run here. The message lists every backend
 * found and, for each unavailable one, the reason. Immutable, like its message.
 *
 * <p>Stability: stable since 0.1.
 */
public class BackendUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With the full explanation as message. */
  public BackendUnavailableException(String message) {
    super(message);
  }
}
