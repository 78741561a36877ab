package io.archipelago.persistence;

/**
 * Marker for every message, event and snapshot that crosses a node or reaches the journal. Bound to
 * Akka's Jackson CBOR serializer in this module's reference.conf (Akka 2.8 ships no such marker of
 * its own); Java serialization stays off.
 */
public interface CborSerializable {}
