/**
 * Support for backends that bind a native library with the Foreign Function and Memory API: finding the
 * library (an explicit path, the system's dynamic loader, or files bundled in a jar and extracted into a
 * per-user cache) and reporting what was found or everything that was tried.
 *
 * <p>This package never calls a restricted FFM method itself: the backend passes the functions that open a
 * library, so native access is granted to the backend's module only.
 */
package dev.attn4j.spi.natives;
