package dev.attn4j.backend.onednn;

/**
 * A oneDNN call returned an error status. The message names the C function and the status, e.g.
 * {@code "dnnl_primitive_execute failed: runtime_error (5)"}.
 *
 * <p>Immutable and thread-safe.
 *
 * <p>Stability: stable since 0.1.
 */
public final class OneDnnException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private static final String[] NAMES = {
      "success", "out_of_memory", "invalid_arguments", "unimplemented", "last_impl_reached", "runtime_error", "not_required",
      "invalid_graph", "invalid_graph_op", "invalid_shape", "invalid_data_type"};

  private final String call;
  private final int status;

  /** An error from {@code call} with {@code dnnl_status_t} value {@code status}. */
  public OneDnnException(String call, int status) {
    super(call + " failed: " + statusName(status) + " (" + status + ")");
    this.call = call;
    this.status = status;
  }

  /** The C function that failed, e.g. {@code "dnnl_matmul_primitive_desc_create"}. */
  public String call() {
    return call;
  }

  /** The raw {@code dnnl_status_t} value. */
  public int status() {
    return status;
  }

  /** The name of a {@code dnnl_status_t} value without its {@code dnnl_} prefix. */
  public static String statusName(int status) {
    return status >= 0 && status < NAMES.length ? NAMES[status] : "unknown status";
  }
}
