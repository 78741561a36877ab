package io.archipelago.persistence.audit;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which audit records to read. Entity filters are persistence ids and persistence id prefixes
 * (either matches; both empty means every entity); the rest must all match. Time is the instant the
 * gateway accepted the request ({@link AuditInfo#at()}), {@code since} inclusive and {@code until}
 * exclusive.
 */
public record AuditQuery(
    Set<String> persistenceIds,
    List<String> persistenceIdPrefixes,
    Set<String> types,
    Optional<String> principal,
    Optional<Instant> since,
    Optional<Instant> until) {

  public AuditQuery {
    persistenceIds = Set.copyOf(persistenceIds);
    persistenceIdPrefixes = List.copyOf(persistenceIdPrefixes);
    types = Set.copyOf(types);
  }

  public static AuditQuery all() {
    return new AuditQuery(
        Set.of(), List.of(), Set.of(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public AuditQuery withEntities(Set<String> ids, List<String> prefixes) {
    return new AuditQuery(ids, prefixes, types, principal, since, until);
  }

  public AuditQuery withTypes(Set<String> t) {
    return new AuditQuery(persistenceIds, persistenceIdPrefixes, t, principal, since, until);
  }

  public AuditQuery withPrincipal(Optional<String> p) {
    return new AuditQuery(persistenceIds, persistenceIdPrefixes, types, p, since, until);
  }

  public AuditQuery withTime(Optional<Instant> from, Optional<Instant> to) {
    return new AuditQuery(persistenceIds, persistenceIdPrefixes, types, principal, from, to);
  }

  public boolean filtersEntities() {
    return !persistenceIds.isEmpty() || !persistenceIdPrefixes.isEmpty();
  }

  /** The filters a journal row can be checked against without decoding it. */
  public boolean matchesRow(JournalRow row) {
    if (filtersEntities()
        && !persistenceIds.contains(row.persistenceId())
        && persistenceIdPrefixes.stream().noneMatch(row.persistenceId()::startsWith)) {
      return false;
    }
    return types.isEmpty() || types.contains(row.adapterManifest());
  }

  /** The filters that need the decoded event (principal, time). */
  public boolean matchesDecoded(AuditRecord record) {
    if (principal.isPresent() && !principal.get().equals(record.principal())) {
      return false;
    }
    if (since.isEmpty() && until.isEmpty()) {
      return true;
    }
    Optional<Instant> at = record.at();
    if (at.isEmpty()) {
      return false;
    }
    return since.map(s -> !at.get().isBefore(s)).orElse(true)
        && until.map(u -> at.get().isBefore(u)).orElse(true);
  }
}
