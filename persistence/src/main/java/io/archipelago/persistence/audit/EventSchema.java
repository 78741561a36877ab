package io.archipelago.persistence.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The event types of one entity: a stable logical name per event class, the current schema version
 * of each, and the upcasters that bring a payload written under an older version to the current
 * one. Changing an event class means raising its version and adding one upcaster (version n to n+1)
 * that rewrites the old JSON tree; old events then stay readable. A type may also be renamed,
 * keeping the old name as an alias.
 */
public final class EventSchema<E> {

  /** Rewrites an event's JSON tree from one schema version to the next, in place. */
  @FunctionalInterface
  public interface Upcaster {
    void upcast(ObjectNode event);
  }

  private record Entry(String name, Class<?> type, int version, List<Upcaster> upcasters) {}

  private final Map<Class<?>, Entry> byClass;
  private final Map<String, Entry> byName;

  private EventSchema(Map<Class<?>, Entry> byClass, Map<String, Entry> byName) {
    this.byClass = Map.copyOf(byClass);
    this.byName = Map.copyOf(byName);
  }

  public static <E> Builder<E> builder(Class<E> root) {
    return new Builder<>();
  }

  public static final class Builder<E> {
    private final Map<Class<?>, Entry> byClass = new HashMap<>();
    private final Map<String, Entry> byName = new HashMap<>();

    /** An event type at schema version 1. */
    public Builder<E> type(String name, Class<? extends E> type) {
      return type(name, type, 1);
    }

    /**
     * An event type at schema version {@code version}; {@code upcasters[i]} rewrites version {@code
     * i + 1} to {@code i + 2}, so there are {@code version - 1} of them.
     */
    public Builder<E> type(
        String name, Class<? extends E> type, int version, Upcaster... upcasters) {
      if (upcasters.length != version - 1) {
        throw new IllegalArgumentException(
            name + " v" + version + " needs " + (version - 1) + " upcasters");
      }
      Entry entry = new Entry(name, type, version, List.of(upcasters));
      if (byClass.put(type, entry) != null || byName.put(name, entry) != null) {
        throw new IllegalArgumentException("duplicate event type " + name + " / " + type);
      }
      return this;
    }

    /** Events stored under {@code oldName} are read as {@code currentName}. */
    public Builder<E> alias(String oldName, String currentName) {
      Entry entry = byName.get(currentName);
      if (entry == null || byName.putIfAbsent(oldName, entry) != null) {
        throw new IllegalArgumentException("cannot alias " + oldName + " to " + currentName);
      }
      return this;
    }

    public EventSchema<E> build() {
      return new EventSchema<>(byClass, byName);
    }
  }

  public String typeOf(E event) {
    return entry(event).name();
  }

  public int versionOf(E event) {
    return entry(event).version();
  }

  public boolean knows(String type) {
    return byName.containsKey(type);
  }

  public byte[] encode(ObjectMapper mapper, E event) {
    try {
      return mapper.writeValueAsBytes(event);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads a stored payload, upcasting it first when it was written under an older version. */
  @SuppressWarnings("unchecked")
  public E decode(ObjectMapper mapper, String type, int version, byte[] payload) {
    Entry entry = byName.get(type);
    if (entry == null) {
      throw new IllegalStateException("unknown event type " + type);
    }
    if (version > entry.version() || version < 1) {
      throw new IllegalStateException(
          "event type "
              + type
              + " v"
              + version
              + " is not readable by this version (knows v1..v"
              + entry.version()
              + ")");
    }
    try {
      if (version == entry.version()) {
        return (E) mapper.readValue(payload, entry.type());
      }
      JsonNode tree = mapper.readTree(payload);
      if (!(tree instanceof ObjectNode node)) {
        throw new IllegalStateException("event " + type + " is not an object");
      }
      for (int v = version; v < entry.version(); v++) {
        entry.upcasters().get(v - 1).upcast(node);
      }
      return (E) mapper.treeToValue(node, entry.type());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read event " + type + " v" + version, e);
    }
  }

  private Entry entry(E event) {
    Entry entry = byClass.get(event.getClass());
    if (entry == null) {
      throw new IllegalArgumentException(
          "event class not in schema: " + event.getClass().getName());
    }
    return entry;
  }
}
