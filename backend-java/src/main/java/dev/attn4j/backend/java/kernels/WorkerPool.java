package dev.attn4j.backend.java.kernels;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The compute threads of one backend instance: the calling thread plus {@code threads - 1} daemon workers, so a
 * kernel keeps at most {@code threads} cores busy. Thread-safe: several Java threads may submit at once; their calls
 * run one after the other on the same workers, which bounds the total instead of oversubscribing.
 *
 * <p>A forward pass is a few hundred short fan-outs separated by microseconds of single-threaded work. Parking a
 * thread after each and waking it for the next costs tens of microseconds per wake-up on a virtual machine (an
 * interrupt to an idle virtual CPU), so workers spin for {@link #SPIN_NANOS} before they park, as OpenMP runtimes
 * and ONNX Runtime do, and the caller works on the parts itself and spins, rather than sleeps, until the last
 * part is done.
 */
public final class WorkerPool implements AutoCloseable {
  /** How long an idle worker polls for the next job before parking. */
  static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final int threads;
  private final Worker[] workers;
  /** Serializes callers: one job at a time. */
  private final ReentrantLock submit = new ReentrantLock();
  /** The job workers should help with; a new object per call, so a late worker never touches the next one's parts. */
  private volatile Job current;
  /** Numbers jobs (under {@link #submit}), so that a worker remembers which it did without holding on to it. */
  private long jobs;
  private volatile boolean closed;

  /** A pool of {@code threads >= 1} threads, the caller's included. */
  public WorkerPool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
    int id = POOLS.incrementAndGet();
    this.workers = new Worker[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(this);
      workers[i].setName("attn4j-java-" + id + "-" + i);
      workers[i].setDaemon(true);
      workers[i].start();
    }
  }

  /** Number of threads, the caller's included. */
  public int threads() {
    return threads;
  }

  /**
   * Runs {@code task.accept(i)} for {@code i} in {@code [0, parts)}, in parallel, and returns when all are done. The
   * first exception a part throws is rethrown here once every part has finished.
   */
  public void run(int parts, IntConsumer task) {
    if (parts <= 0) {
      return;
    }
    if (workers.length == 0 || parts == 1 || Thread.currentThread() instanceof Worker || submit.isHeldByCurrentThread()) {
      // Inline when single-threaded, trivial, or already inside a job of this pool (no nested fan-out).
      for (int i = 0; i < parts; i++) {
        task.accept(i);
      }
      return;
    }
    submit.lock();
    try {
      Job job = new Job(++jobs, task, parts);
      current = job;
      for (Worker w : workers) {
        if (w.parked) {
          LockSupport.unpark(w);
        }
      }
      job.work();
      job.awaitDone();
      current = null;
      Throwable failure = job.failure.get();
      if (failure instanceof RuntimeException re) {
        throw re;
      }
      if (failure instanceof Error err) {
        throw err;
      }
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
    } finally {
      submit.unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Worker w : workers) {
      LockSupport.unpark(w);
    }
  }

  /** One call's parts, handed out by a counter to whichever thread asks next. */
  private static final class Job {
    final long id;
    final IntConsumer task;
    final int parts;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Job(long id, IntConsumer task, int parts) {
      this.id = id;
      this.task = task;
      this.parts = parts;
    }

    void work() {
      for (int i = next.getAndIncrement(); i < parts; i = next.getAndIncrement()) {
        try {
          task.accept(i);
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          done.incrementAndGet();
        }
      }
    }

    /** Spins until every part has finished; yields after the first millisecond so that an overloaded machine moves on. */
    void awaitDone() {
      long start = System.nanoTime();
      for (int spins = 1; done.get() < parts; spins++) {
        Thread.onSpinWait();
        if ((spins & 1023) == 0 && System.nanoTime() - start > 1_000_000) {
          Thread.yield();
        }
      }
    }
  }

  private static final class Worker extends Thread {
    private final WorkerPool pool;
    volatile boolean parked;

    Worker(WorkerPool pool) {
      this.pool = pool;
    }

    @Override
    public void run() {
      long last = 0; // the id of the job this worker last helped with; job ids start at 1
      while (!pool.closed) {
        Job job = pool.current;
        if (job != null && job.id != last) {
          last = job.id;
          job.work();
          continue;
        }
        if (!spinForNextJob(last)) {
          parked = true;
          // Re-check after publishing that we park: a caller that saw parked == false has already set its job.
          Job again = pool.current;
          if ((again == null || again.id == last) && !pool.closed) {
            LockSupport.park(pool);
          }
          parked = false;
        }
      }
    }

    /** Polls for a job other than the one numbered {@code last} for up to {@link #SPIN_NANOS}; whether one came. */
    private boolean spinForNextJob(long last) {
      long deadline = System.nanoTime() + SPIN_NANOS;
      for (int spins = 0; ; spins++) {
        Job job = pool.current;
        if ((job != null && job.id != last) || pool.closed) {
          return true;
        }
        Thread.onSpinWait();
        if ((spins & 63) == 63 && System.nanoTime() > deadline) {
          return false;
        }
      }
    }
  }
}
