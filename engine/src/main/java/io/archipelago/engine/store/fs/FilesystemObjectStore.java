package io.archipelago.engine.store.fs;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.Scheduler;
import akka.stream.ActorAttributes;
import akka.stream.Materializer;
import akka.stream.javadsl.FileIO;
import akka.stream.javadsl.Source;
import akka.util.ByteString;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.archipelago.engine.store.BackendContainer;
import io.archipelago.engine.store.ByteRange;
import io.archipelago.engine.store.Capacity;
import io.archipelago.engine.store.ListingPage;
import io.archipelago.engine.store.ListingQuery;
import io.archipelago.engine.store.ObjectAttributes;
import io.archipelago.engine.store.ObjectContent;
import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.ObjectStore;
import io.archipelago.engine.store.ObjectStoreException;
import io.archipelago.engine.store.PutResult;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.engine.store.UploadGuard;
import io.archipelago.engine.store.WholeBody;
import io.archipelago.engine.store.fs.NameCodec.ObjectLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import scala.concurrent.ExecutionContextExecutor;

/**
 * An {@link ObjectStore} that keeps objects as files below a root directory (layout: see {@code
 * package-info.java}). Blocking file IO runs on Akka's blocking IO dispatcher, never on the
 * caller's thread.
 *
 * <p>A put streams the body into a temp file under {@code <root>/.tmp} while computing its MD5 and
 * length, checks them against what the client announced, forces the file to disk and renames it
 * next to its final place under a unique data file name. It then renames a freshly written metadata
 * file over the object's metadata file: that rename is the commit point. Finally the replaced
 * version's data file is deleted; a version with a timestamp not older than the put's is not
 * replaced (newest X-Timestamp wins). A body of up to 64 KiB with an announced length is read whole
 * and written inline, after its document in the metadata file, which is then renamed into place:
 * one durable file per small object. A reader reads the metadata file and then its inline bytes or
 * the data file it names. Crash leftovers (temp files, data files no metadata names) are never
 * listed. Commits, metadata updates and deletes of one name are serialised within this process by a
 * striped lock; the root must not be shared with another process.
 *
 * <p>{@link #deleteContainer} must not race with writes into the same container; the container
 * entity serialises them.
 */
public final class FilesystemObjectStore implements ObjectStore {

  private static final int READ_CHUNK_BYTES = 256 * 1024;

  /**
   * The dispatcher of every blocking file operation. Its pool is larger than Akka's blocking
   * dispatcher: concurrent writers each wait in fsync, and many waiting together share one
   * filesystem journal commit.
   */
  static final String IO_DISPATCHER = "archipelago.filesystem.io-dispatcher";

  private static final int LOCK_STRIPES = 256;
  private static final int MAX_PLACE_ATTEMPTS = 16;

  /** Linux's PATH_MAX is 4096 bytes including the terminating NUL. */
  private static final int MAX_PATH_BYTES = 4095;

  private static final Duration UNCLAIMED_READ_TIMEOUT = Duration.ofSeconds(30);

  private final String backendId;
  private final Path root;
  private final Path tmpDir;

  /** Where corrupt copies go (the object auditor's quarantine): outside every container. */
  private final Path quarantineDir;

  private final long configuredCapacity;
  private final Materializer materializer;
  private final Scheduler scheduler;
  private final ExecutionContextExecutor blocking;

  /** Where file IO runs: our own pool when configured (see archipelago-akka.conf), else Akka's. */
  private final String ioDispatcher;

  private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
  private final DirectorySync directorySync = new DirectorySync();

  /** Data bytes written minus data bytes removed since the startup scan began. */
  private final AtomicLong usedSinceStart = new AtomicLong();

  /** Data bytes found by the startup scan. */
  private final CompletionStage<Long> scannedBytes;

  /**
   * Opens (creating if needed) a store at {@code root}. Creates the root and its temp directory
   * synchronously, so call it at startup, not from an actor.
   *
   * @param capacityBytes the capacity to report; zero or less reports the filesystem's size
   * @throws UncheckedIOException when the root cannot be created
   * @throws IllegalArgumentException when the root is on a case-insensitive filesystem
   */
  public FilesystemObjectStore(
      String backendId, Path root, long capacityBytes, ActorSystem<?> system) {
    this.backendId = backendId;
    this.root = root.toAbsolutePath().normalize();
    this.tmpDir = this.root.resolve(".tmp");
    this.quarantineDir = this.root.resolve(".quarantine");
    this.configuredCapacity = capacityBytes;
    this.materializer = Materializer.matFromSystem(system);
    this.scheduler = system.scheduler();
    this.ioDispatcher =
        system.settings().config().hasPath(IO_DISPATCHER)
            ? IO_DISPATCHER
            : "akka.actor.default-blocking-io-dispatcher";
    this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(ioDispatcher));
    for (int i = 0; i < LOCK_STRIPES; i++) {
      locks[i] = new ReentrantLock();
    }
    try {
      Files.createDirectories(tmpDir);
      requireCaseSensitive(tmpDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open filesystem store at " + this.root, e);
    }
    this.scannedBytes = io("scan", this::scanDataBytes);
  }

  @Override
  public String backendId() {
    return backendId;
  }

  @Override
  public CompletionStage<Done> createContainer(BackendContainer container) {
    return io(
        "create container",
        () -> {
          Files.createDirectories(containerDir(container));
          return Done.getInstance();
        });
  }

  @Override
  public CompletionStage<Done> deleteContainer(BackendContainer container) {
    return io(
        "delete container",
        () -> {
          Path dir = containerDir(container);
          if (!Files.isDirectory(dir)) {
            return Done.getInstance();
          }
          if (ContainerListing.holdsObjects(dir)) {
            throw new ObjectStoreException.ContainerNotEmpty(container);
          }
          try {
            deleteTree(dir);
          } catch (DirectoryNotEmptyException e) {
            throw new ObjectStoreException.ContainerNotEmpty(container);
          }
          pruneEmptyDirs(dir.getParent(), root);
          return Done.getInstance();
        });
  }

  @Override
  public CompletionStage<PutResult> put(
      BackendContainer container,
      String name,
      ObjectAttributes attributes,
      Source<ByteString, ?> body) {
    return UploadGuard.upload(
        body,
        attributes,
        UploadGuard.Digest.COMPUTED,
        materializer,
        guard -> {
          Path containerDir = containerDir(container);
          ObjectLocation location = locate(containerDir, name);
          if (!fitsPathLimit(location)) {
            throw new ObjectStoreException.InvalidRequest("object name too long for this backend");
          }
          OptionalLong expected = attributes.expectedLength();
          try {
            if (expected.isPresent() && expected.getAsLong() <= WholeBody.MAX_SIZE) {
              // Small bodies: read into memory, then stored inline in the metadata file, synced and
              // committed in one blocking task (one durable file, no file-sink stream, fewer thread
              // hops).
              return WholeBody.read(guard, materializer)
                  .thenCompose(
                      whole -> io("put", () -> commitInlinePut(location, name, attributes, whole)));
            }
            return spoolAndCommit(guard, containerDir, location, name, attributes);
          } catch (RuntimeException e) { // the materializer is shut down
            return CompletableFuture.failedFuture(failure("put", e));
          }
        });
  }

  /**
   * Streams the body into a temp file under {@code .tmp}, then commits it (the temp file is removed
   * when the body or the commit fails).
   */
  private CompletionStage<PutResult> spoolAndCommit(
      UploadGuard guard,
      Path containerDir,
      ObjectLocation location,
      String name,
      ObjectAttributes attributes) {
    Path temp = tmpDir.resolve("put-" + NameCodec.token() + ".data");
    // only this stream's one materialization touches it; read after the stream completed
    CRC32C crc = new CRC32C();
    return guard
        .body()
        .map(
            chunk -> {
              for (ByteBuffer b : chunk.getByteBuffers()) {
                crc.update(b);
              }
              return chunk;
            })
        .runWith(
            FileIO.toPath(temp, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW))
                .withAttributes(ActorAttributes.dispatcher(ioDispatcher)),
            materializer)
        .thenCompose(written -> guard.verified())
        .handle(
            (verified, failure) ->
                io(
                    "put",
                    () -> {
                      if (failure != null) {
                        Files.deleteIfExists(temp);
                        throw new CompletionException(failure);
                      }
                      return commitPut(
                          containerDir,
                          location,
                          name,
                          attributes,
                          temp,
                          verified.size(),
                          verified.md5().orElseThrow(),
                          crc.getValue());
                    }))
        .thenCompose(committed -> committed);
  }

  private PutResult commitPut(
      Path containerDir,
      ObjectLocation location,
      String name,
      ObjectAttributes attributes,
      Path temp,
      long size,
      String etag,
      long crc32c)
      throws IOException {
    try {
      force(temp);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    String dataName = location.newDataFileName();
    Path data = location.dir().resolve(dataName);
    StoredObject stored =
        new StoredObject(
            StoredObject.FORMAT,
            name,
            size,
            etag,
            attributes.contentType(),
            attributes.timestamp(),
            attributes.metadata(),
            dataName,
            crc32c);
    Path metaTemp = null;
    boolean dataPlaced = false;
    try {
      metaTemp = MetadataFile.writeTemp(stored, ByteString.emptyByteString(), tmpDir);
      moveIntoPlace(temp, data);
      dataPlaced = true;
      PutResult result = commitMetadata(location, name, attributes, stored, metaTemp);
      metaTemp = null; // committed
      return result;
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      if (metaTemp != null) {
        Files.deleteIfExists(metaTemp);
        if (dataPlaced) {
          Files.deleteIfExists(data);
          pruneEmptyDirs(location.dir(), containerDir);
        }
      }
      throw e;
    }
  }

  /** Stores a small object inline: its bytes follow its document in the metadata file. */
  private PutResult commitInlinePut(
      ObjectLocation location, String name, ObjectAttributes attributes, WholeBody body)
      throws IOException {
    StoredObject stored =
        new StoredObject(
            StoredObject.INLINE_FORMAT,
            name,
            body.data().size(),
            body.md5(),
            attributes.contentType(),
            attributes.timestamp(),
            attributes.metadata(),
            null,
            null);
    Path metaTemp = MetadataFile.writeTemp(stored, body.data(), tmpDir);
    try {
      return commitMetadata(location, name, attributes, stored, metaTemp);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(metaTemp);
      throw e;
    }
  }

  /**
   * Renames the written metadata file over the object's (the commit point) unless a version not
   * older is there, then removes the replaced version's data file.
   */
  private PutResult commitMetadata(
      ObjectLocation location,
      String name,
      ObjectAttributes attributes,
      StoredObject stored,
      Path metaTemp)
      throws IOException {
    Optional<StoredObject> previous;
    ReentrantLock lock = lockFor(location);
    lock.lock();
    try {
      previous = readReplaceable(location);
      if (previous.isPresent() && !attributes.timestamp().isNewerThan(previous.get().timestamp())) {
        throw new ObjectStoreException.NewerExists(
            name, attributes.timestamp(), previous.get().timestamp());
      }
      moveIntoPlace(metaTemp, location.metaFile());
    } finally {
      lock.unlock();
    }
    // Outside the lock: writers of other names in the same stripe need not wait for our fsync.
    syncDir(location.dir());
    if (previous.isPresent() && !Objects.equals(previous.get().dataFile(), stored.dataFile())) {
      deleteDataQuietly(location, previous.get());
    }
    usedSinceStart.addAndGet(stored.size() - previous.map(StoredObject::size).orElse(0L));
    return new PutResult(stored.toInfo(), previous.map(StoredObject::toInfo));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> head(BackendContainer container, String name) {
    return io(
        "head",
        () -> {
          ObjectLocation location = locate(containerDir(container), name);
          if (!fitsPathLimit(location)) {
            return Optional.empty();
          }
          return MetadataFile.read(location.metaFile()).map(StoredObject::toInfo);
        });
  }

  @Override
  public CompletionStage<Optional<ObjectContent>> get(
      BackendContainer container, String name, Optional<ByteRange> range) {
    return io(
        "get",
        () -> {
          ObjectLocation location = locate(containerDir(container), name);
          if (!fitsPathLimit(location)) {
            return Optional.empty();
          }
          // a concurrent overwrite may delete the data file between reading the metadata and
          // opening the data; the metadata then names the new version
          for (int attempt = 0; attempt < 2; attempt++) {
            FileChannel metaChannel;
            try {
              metaChannel = FileChannel.open(location.metaFile(), StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
              return Optional.empty();
            }
            MetadataFile.Header header;
            try (metaChannel) {
              header = MetadataFile.readHeader(metaChannel);
              Optional<ByteRange.Resolved> resolved = resolve(range, header.object());
              if (header.object().inline() || (range.isPresent() && resolved.isEmpty())) {
                // inline bytes are read from the file open now: a later overwrite cannot mix in
                return Optional.of(inlineContent(metaChannel, header, range, resolved));
              }
            }
            StoredObject object = header.object();
            Optional<ByteRange.Resolved> resolved = resolve(range, object);
            Path data = dataFile(location, object);
            FileChannel channel;
            try {
              channel = FileChannel.open(data, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
              continue;
            }
            long start = resolved.map(ByteRange.Resolved::first).orElse(0L);
            long length = resolved.map(ByteRange.Resolved::length).orElse(object.size());
            Source<ByteString, ?> bytes =
                DataFileSource.of(
                    channel,
                    data,
                    start,
                    length,
                    READ_CHUNK_BYTES,
                    scheduler,
                    blocking,
                    ioDispatcher,
                    UNCLAIMED_READ_TIMEOUT);
            OptionalLong crc32c =
                object.crc32c() == null ? OptionalLong.empty() : OptionalLong.of(object.crc32c());
            return Optional.of(new ObjectContent(object.toInfo(), resolved, false, bytes, crc32c));
          }
          throw new IOException("the data file of " + location.metaFile() + " is missing");
        });
  }

  private static Optional<ByteRange.Resolved> resolve(
      Optional<ByteRange> range, StoredObject object) {
    return range.flatMap(r -> r.resolve(object.size()));
  }

  /** The content of an inline object, or the unsatisfiable answer to a range of any object. */
  private static ObjectContent inlineContent(
      FileChannel channel,
      MetadataFile.Header header,
      Optional<ByteRange> range,
      Optional<ByteRange.Resolved> resolved)
      throws IOException {
    StoredObject object = header.object();
    if (range.isPresent() && resolved.isEmpty()) {
      return new ObjectContent(object.toInfo(), Optional.empty(), true, Source.empty());
    }
    long first = resolved.map(ByteRange.Resolved::first).orElse(0L);
    long length = resolved.map(ByteRange.Resolved::length).orElse(object.size());
    ByteString bytes = MetadataFile.readInline(channel, header, first, length);
    return new ObjectContent(object.toInfo(), resolved, false, Source.single(bytes));
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> replaceMetadata(
      BackendContainer container,
      String name,
      Optional<String> contentType,
      Map<String, String> metadata,
      SwiftTimestamp timestamp) {
    return io(
        "replace metadata",
        () -> {
          ObjectLocation location = locate(containerDir(container), name);
          if (!fitsPathLimit(location)) {
            return Optional.empty();
          }
          ReentrantLock lock = lockFor(location);
          lock.lock();
          try {
            StoredObject found;
            ByteString inline = ByteString.emptyByteString();
            try (FileChannel channel =
                FileChannel.open(location.metaFile(), StandardOpenOption.READ)) {
              MetadataFile.Header header = MetadataFile.readHeader(channel);
              found = header.object();
              if (found.inline()) { // the bytes move with the metadata into the new file
                inline = MetadataFile.readInline(channel, header, 0, found.size());
              }
            } catch (NoSuchFileException e) {
              return Optional.empty();
            }
            StoredObject updated =
                found.withMetadata(contentType.orElse(found.contentType()), metadata, timestamp);
            Path temp = MetadataFile.writeTemp(updated, inline, tmpDir);
            try {
              moveIntoPlace(temp, location.metaFile());
            } catch (IOException e) {
              Files.deleteIfExists(temp);
              throw e;
            }
            syncDir(location.dir());
            return Optional.of(updated.toInfo());
          } finally {
            lock.unlock();
          }
        });
  }

  @Override
  public CompletionStage<Optional<ObjectInfo>> delete(BackendContainer container, String name) {
    return io(
        "delete",
        () -> {
          Path containerDir = containerDir(container);
          ObjectLocation location = locate(containerDir, name);
          if (!fitsPathLimit(location)) {
            return Optional.empty();
          }
          Optional<StoredObject> found;
          ReentrantLock lock = lockFor(location);
          lock.lock();
          try {
            found = MetadataFile.read(location.metaFile());
            if (found.isEmpty()) {
              return Optional.empty();
            }
            Files.delete(location.metaFile());
            syncDir(location.dir());
            deleteDataQuietly(location, found.get());
          } finally {
            lock.unlock();
          }
          usedSinceStart.addAndGet(-found.get().size());
          pruneEmptyDirs(location.dir(), containerDir);
          return found.map(StoredObject::toInfo);
        });
  }

  @Override
  public CompletionStage<ListingPage> list(BackendContainer container, ListingQuery query) {
    return io("list", () -> ContainerListing.list(containerDir(container), query));
  }

  /**
   * The configured capacity (or the filesystem's size) and the bytes of all data files: counted
   * once at startup and kept up to date by this store's writes and deletes. Writes that land while
   * the startup scan runs may be counted twice; crash leftovers count until their container is
   * deleted.
   */
  @Override
  public CompletionStage<Capacity> capacity() {
    return scannedBytes.thenCompose(
        scanned ->
            io(
                "capacity",
                () -> {
                  long total =
                      configuredCapacity > 0
                          ? configuredCapacity
                          : Files.getFileStore(root).getTotalSpace();
                  return new Capacity(total, Math.max(0, scanned + usedSinceStart.get()));
                }));
  }

  /**
   * Moves the object's metadata file and data file into {@code <root>/.quarantine/<token>/}, with a
   * note of what it was, when the stored version is still the one found corrupt. Readers then find
   * no object here, and a repair may store a good copy in its place.
   */
  @Override
  public CompletionStage<Boolean> quarantine(
      BackendContainer container, String name, SwiftTimestamp timestamp, String etag) {
    return io(
        "quarantine",
        () -> {
          Path containerDir = containerDir(container);
          ObjectLocation location = locate(containerDir, name);
          if (!fitsPathLimit(location)) {
            return false;
          }
          StoredObject found;
          ReentrantLock lock = lockFor(location);
          lock.lock();
          try {
            Optional<StoredObject> stored = readReplaceable(location);
            if (stored.isEmpty()
                || !stored.get().timestamp().equals(timestamp)
                || !stored.get().etag().equals(etag)) {
              return false; // replaced or removed meanwhile: nothing of it to quarantine
            }
            found = stored.get();
            Path target = quarantineDir.resolve(NameCodec.token());
            Files.createDirectories(target);
            Files.writeString(
                target.resolve("object.txt"),
                container.account()
                    + "\n"
                    + container.container()
                    + "\n"
                    + name
                    + "\n"
                    + timestamp.internal()
                    + "\n"
                    + etag
                    + "\n");
            if (!found.inline()) {
              Path data = dataFile(location, found);
              if (Files.exists(data)) {
                Files.move(data, target.resolve("data"), StandardCopyOption.ATOMIC_MOVE);
              }
            }
            Files.move(location.metaFile(), target.resolve("meta"), StandardCopyOption.ATOMIC_MOVE);
            syncDir(location.dir());
          } finally {
            lock.unlock();
          }
          usedSinceStart.addAndGet(-found.size());
          pruneEmptyDirs(location.dir(), containerDir);
          return true;
        });
  }

  // ---- locations ----

  private Path containerDir(BackendContainer container) {
    return NameCodec.containerDir(
        root,
        Utf8Keys.encode(container.account(), "account name"),
        Utf8Keys.encode(container.container(), "container name"));
  }

  private static ObjectLocation locate(Path containerDir, String name) {
    if (name.isEmpty()) {
      throw new ObjectStoreException.InvalidRequest("empty object name");
    }
    return NameCodec.locate(containerDir, Utf8Keys.encode(name, "object name"));
  }

  /** Whether the longest file path of the object stays within the OS's path length limit. */
  private static boolean fitsPathLimit(ObjectLocation location) {
    Path longest = location.dir().resolve(location.newDataFileName());
    return longest.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_PATH_BYTES;
  }

  /** The data file a metadata document names; refuses names that would leave its directory. */
  private static Path dataFile(ObjectLocation location, StoredObject object) throws IOException {
    NameCodec.Entry entry = NameCodec.parse(object.dataFile());
    if (entry == null || entry.kind() != NameCodec.Kind.DATA || object.dataFile().contains("/")) {
      throw new IOException("corrupt metadata in " + location.metaFile());
    }
    return location.dir().resolve(object.dataFile());
  }

  private ReentrantLock lockFor(ObjectLocation location) {
    return locks[Math.floorMod(location.metaFile().hashCode(), LOCK_STRIPES)];
  }

  // ---- file operations (blocking) ----

  /** The version a put replaces; a metadata file that cannot be parsed is overwritten. */
  private static Optional<StoredObject> readReplaceable(ObjectLocation location)
      throws IOException {
    try {
      return MetadataFile.read(location.metaFile());
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  /**
   * Renames {@code source} to {@code target} atomically, creating the parent directories. A
   * concurrent delete may prune a freshly made directory before the rename; then make it again.
   */
  private static void moveIntoPlace(Path source, Path target) throws IOException {
    // Move first: the directory usually exists, and creating it each time cost two exceptions.
    for (int attempt = 1; ; attempt++) {
      try {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        return;
      } catch (NoSuchFileException e) {
        if (attempt >= MAX_PLACE_ATTEMPTS || !Files.exists(source)) {
          throw e;
        }
        Files.createDirectories(target.getParent());
      }
    }
  }

  /** Removes {@code dir} and its ancestors below {@code stop} while they are empty. */
  private static void pruneEmptyDirs(Path dir, Path stop) {
    for (Path d = dir; d != null && d.startsWith(stop) && !d.equals(stop); d = d.getParent()) {
      try {
        Files.delete(d);
      } catch (NoSuchFileException e) {
        // pruned concurrently; its parent may be empty now
      } catch (IOException e) {
        return; // not empty (or not ours to remove)
      }
    }
  }

  private void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            long stored = storedBytes(file, attrs);
            if (Files.deleteIfExists(file)) {
              usedSinceStart.addAndGet(-stored);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private long scanDataBytes() throws IOException {
    AtomicLong total = new AtomicLong();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.equals(tmpDir) || dir.equals(quarantineDir)
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            total.addAndGet(storedBytes(file, attrs));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    return total.get();
  }

  /** The object bytes a file holds: all of a data file, the inline part of a metadata file. */
  private static long storedBytes(Path file, BasicFileAttributes attrs) {
    if (!attrs.isRegularFile()) {
      return 0;
    }
    String fileName = file.getFileName().toString();
    if (fileName.endsWith(NameCodec.META_SUFFIX)) {
      try {
        return MetadataFile.inlineBytes(file, attrs.size());
      } catch (IOException e) {
        return 0; // deleted meanwhile
      }
    }
    return fileName.contains(NameCodec.DATA_MARK) ? attrs.size() : 0;
  }

  /** Forces the file's bytes (and its size): fdatasync; the directory entry is synced apart. */
  private static void force(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.force(false);
    }
  }

  /** Makes renames in {@code dir} durable, sharing the fsync with concurrent writers. */
  private void syncDir(Path dir) {
    directorySync.sync(dir);
  }

  private static void deleteDataQuietly(ObjectLocation location, StoredObject object) {
    if (object.inline()) {
      return; // its bytes went with its metadata file
    }
    try {
      Files.deleteIfExists(dataFile(location, object));
    } catch (IOException ignored) {
      // an unreferenced data file is harmless; deleting its container removes it
    }
  }

  private static void requireCaseSensitive(Path dir) throws IOException {
    String probe = "case-probe-" + NameCodec.token();
    Path lower = dir.resolve(probe + "-a");
    Files.createFile(lower);
    try {
      if (Files.exists(dir.resolve(probe + "-A"))) {
        throw new IllegalArgumentException(dir + " is on a case-insensitive filesystem");
      }
    } finally {
      Files.deleteIfExists(lower);
    }
  }

  // ---- async plumbing ----

  @FunctionalInterface
  private interface BlockingCall<T> {
    T call() throws Exception;
  }

  /** Runs {@code call} on the blocking dispatcher; failures become ObjectStoreExceptions. */
  private <T> CompletionStage<T> io(String operation, BlockingCall<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      blocking.execute(
          () -> {
            try {
              result.complete(call.call());
            } catch (Exception e) {
              result.completeExceptionally(failure(operation, e));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(failure(operation, e));
    }
    return result;
  }

  /**
   * The exception a failed operation completes with: an ObjectStoreException found in the chain,
   * else BackendUnavailable (a failure of the body itself is the guard's to report).
   */
  private Throwable failure(String operation, Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof ObjectStoreException) {
        return t;
      }
    }
    return new ObjectStoreException.BackendUnavailable(backendId, operation + " failed", thrown);
  }
}
