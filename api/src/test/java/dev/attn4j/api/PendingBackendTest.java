package dev.attn4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attn4j.spi.Backend;
import dev.attn4j.spi.BackendOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PendingBackendTest {
  @Test
  void opensOnAnotherThreadWhileTheCallerWorks() throws Exception {
    CountDownLatch callerDone = new CountDownLatch(1);
    AtomicReference<Thread> opener = new AtomicReference<>();
    CountingBackend backend = new CountingBackend();
    try (PendingBackend pending = PendingBackend.start(() -> {
      opener.set(Thread.currentThread());
      try {
        callerDone.await(); // would deadlock if start() ran the opener on the calling thread
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return backend;
    })) {
      assertFalse(pending.isDone());
      callerDone.countDown();
      assertSame(backend, pending.get());
      assertSame(backend, pending.get());
      assertNotEquals(Thread.currentThread(), opener.get());
      assertEquals(0, backend.closes.get());
    }
    assertEquals(1, backend.closes.get(), "closing the pending backend closes the backend");
  }

  @Test
  void closeWaitsForASlowOpenAndClosesItsBackendOnce() {
    CountingBackend backend = new CountingBackend();
    PendingBackend pending = PendingBackend.start(() -> {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return backend;
    });
    pending.close(); // e.g. the model failed to load before anyone called get()
    assertEquals(1, backend.closes.get());
    pending.close();
    assertEquals(1, backend.closes.get(), "idempotent");
    assertThrows(IllegalStateException.class, pending::get);
  }

  @Test
  void getRethrowsWhatOpeningThrewAndCloseDoesNot() {
    BackendUnavailableException failure = new BackendUnavailableException("unknown backend 'nope'");
    try (PendingBackend pending = PendingBackend.start(() -> {
      throw failure;
    })) {
      assertSame(failure, assertThrows(BackendUnavailableException.class, pending::get));
      assertTrue(pending.isDone());
    }
  }

  @Test
  void openInBackgroundReportsAnUnknownNameLikeOpen() {
    try (PendingBackend pending = Backends.openInBackground("no-such-backend", BackendOptions.defaults())) {
      BackendUnavailableException e = assertThrows(BackendUnavailableException.class, pending::get);
      assertTrue(e.getMessage().contains("unknown backend 'no-such-backend'"), e.getMessage());
    }
  }
}
