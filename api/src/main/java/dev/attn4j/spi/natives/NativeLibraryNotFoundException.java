package dev.attn4j.spi.natives;

/**
 * No candidate of a {@link NativeLibrarySpec} could be opened. The message names every place that was
 * tried and why each failed.
 *
 * <p>Stability: experimental.
 */
public final class NativeLibraryNotFoundException extends Exception {
  private static final long serialVersionUID = 1L;

  /** With the full report of what was tried. */
  public NativeLibraryNotFoundException(String message) {
    super(message);
  }
}
