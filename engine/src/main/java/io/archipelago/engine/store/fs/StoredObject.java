package io.archipelago.engine.store.fs;

import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.engine.store.SwiftTimestamp;
import java.util.Map;

/**
 * The metadata file of one object: its facts and where its bytes are. Written to a temp file and
 * renamed into place, so the rename is the moment a version becomes visible.
 *
 * @param format {@link #FORMAT} for an object in a data file of its own, {@link #INLINE_FORMAT} for
 *     one whose bytes follow this document in the metadata file (see {@link MetadataFile})
 * @param dataFile the file name of the data, in the same directory as the metadata file; null for
 *     an inline object
 * @param crc32c the CRC-32C of the data file's bytes, computed as they were written (with the MD5
 *     of the ETag, in the same pass); whole reads are checked against it, far cheaper than the MD5.
 *     Null for inline objects and for data files written before it was recorded (checked against
 *     the MD5)
 */
record StoredObject(
    int format,
    String name,
    long size,
    String etag,
    String contentType,
    SwiftTimestamp timestamp,
    Map<String, String> metadata,
    String dataFile,
    Long crc32c) {

  static final int FORMAT = 1;
  static final int INLINE_FORMAT = 2;

  StoredObject {
    metadata = Map.copyOf(metadata);
  }

  boolean inline() {
    return dataFile == null;
  }

  ObjectInfo toInfo() {
    return new ObjectInfo(name, size, etag, contentType, timestamp, metadata);
  }

  StoredObject withMetadata(
      String newContentType, Map<String, String> newMetadata, SwiftTimestamp at) {
    return new StoredObject(
        format, name, size, etag, newContentType, at, newMetadata, dataFile, crc32c);
  }
}
