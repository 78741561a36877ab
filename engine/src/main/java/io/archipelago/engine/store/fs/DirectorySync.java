package io.archipelago.engine.store.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes renames in a directory durable, sharing fsyncs between concurrent writers (group commit for
 * directory entries): a caller returns once an fsync of the directory that started after its call
 * has finished. Writers into one busy container then pay for one directory fsync per batch instead
 * of one each. Blocking; runs on the store's IO threads.
 */
final class DirectorySync {

  private final ConcurrentHashMap<Path, Group> groups = new ConcurrentHashMap<>();

  /** Forces {@code dir} (best effort: not every filesystem can sync a directory). */
  void sync(Path dir) {
    Group group =
        groups.compute(
            dir,
            (d, existing) -> {
              Group g = existing == null ? new Group() : existing;
              g.users++;
              return g;
            });
    try {
      group.await(dir);
    } finally {
      // The map's compute serializes the user count; an idle directory leaves the map.
      groups.computeIfPresent(dir, (d, g) -> --g.users == 0 ? null : g);
    }
  }

  private static final class Group {
    /** Callers currently in {@link DirectorySync#sync}; guarded by the map's compute. */
    int users;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private long requested;
    private long covered;
    private boolean running;

    void await(Path dir) {
      lock.lock();
      try {
        long ticket = ++requested;
        while (covered < ticket) {
          if (running) {
            finished.awaitUninterruptibly();
            continue;
          }
          // This fsync starts after every ticket handed out so far: it covers them all.
          running = true;
          long upTo = requested;
          lock.unlock();
          try {
            force(dir);
          } finally {
            lock.lock();
            running = false;
            covered = Math.max(covered, upTo);
            finished.signalAll();
          }
        }
      } finally {
        lock.unlock();
      }
    }
  }

  private static void force(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException ignored) {
      // the rename happened; only its durability across a power loss is uncertain
    }
  }
}
