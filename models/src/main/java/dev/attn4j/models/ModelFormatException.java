package dev.attn4j.models;

import java.io.IOException;

/**
 * A model file or folder is malformed or does not fit what is asked of it: bad safetensors header, missing
 * or mis-shaped tensor, unsupported configuration, unreadable vocabulary. The message names the file and,
 * where there is one, the tensor or key.
 *
 * <p>Stability: stable since 0.1.
 */
public class ModelFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** With a message naming the file and what is wrong. */
  public ModelFormatException(String message) {
    super(message);
  }

  /** With a message and the underlying cause. */
  public ModelFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
