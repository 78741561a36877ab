package io.archipelago.engine.store;

import java.util.Optional;

/**
 * The outcome of a put.
 *
 * @param stored the object as now stored
 * @param replaced the version it replaced, if there was one (lets the container keep its object
 *     count and byte total without a listing)
 */
public record PutResult(ObjectInfo stored, Optional<ObjectInfo> replaced) {}
