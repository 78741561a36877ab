/**
 * A backend that keeps objects as plain files under one root directory.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * &lt;root&gt;/.tmp/                             temp files of writes in flight (same filesystem)
 * &lt;root&gt;/&lt;account&gt;/&lt;container&gt;/             one directory per container
 *     photos/2024/cat.jpg%m                  metadata of "photos/2024/cat.jpg" (JSON, the commit point)
 *     photos/2024/cat.jpg%v0k3f9q2m1c7a      its data; the metadata names this file
 *     icons/star.png%m                       a small object: one JSON line, then its bytes (inline)
 *     a/%_/b%m                               "a//b" (%_ is the empty segment)
 *     trail/%_%m                             "trail/"
 *     %2E./x%m                               "../x" (a leading '.' is always escaped)
 *     &lt;80 bytes&gt;%+/&lt;rest&gt;%m                 a long segment, cut after 80 bytes ("%+": no slash here)
 * </pre>
 *
 * <p>An object of up to 64 KiB whose length the client announced is stored inline: its metadata
 * file holds the JSON document on one line, then the object's bytes, so that a small write costs
 * one durable file instead of two. Larger objects, and uploads of unknown length, get a data file
 * of their own. Metadata files without a newline (every file written before inline objects existed)
 * are JSON alone; both kinds are read side by side, so existing stores need no migration.
 *
 * <p>An object name is split on {@code '/'}. Every segment but the last becomes a directory; the
 * last one names the metadata file ({@code %m}) and the data file ({@code %v<token>}). A segment is
 * escaped byte by byte: {@code '%'}, {@code '/'}, bytes below 0x20, 0x7F, every non-ASCII byte and
 * a leading {@code '.'} become {@code %XX} (upper-case hex); the empty segment is {@code %_}.
 * Non-ASCII is escaped so that the layout does not depend on the JVM's file name encoding (a JVM in
 * the C locale cannot create non-ASCII file names) nor on Unicode normalisation by the filesystem.
 * Markers are {@code '%'} followed by a character that is not a hex digit, so they never collide
 * with escaped text, and no file name is {@code .}, {@code ..} or hidden.
 *
 * <p>A segment longer than 80 bytes (a non-final one: 80 bytes or more) is cut into 80-byte chunks,
 * each a directory with the marker {@code %+}; escaped, a component takes at most 240 bytes, which
 * leaves room for the longest suffix within the 255-byte limit of a file name. Cutting at a fixed
 * byte count (not at the longest piece that fits) keeps every chunk key from being a prefix of
 * another key in the same directory, which is what lets the listing walk visit directory entries in
 * plain key order (see {@link ContainerListing}). Account and container names are escaped the same
 * way (with {@code '/'} escaped as well).
 *
 * <p>The root must be on a case-sensitive filesystem and belong to one process.
 */
package io.archipelago.engine.store.fs;
