-- Journal, tags and snapshots as akka-persistence-jdbc 5.2.1 expects them (PostgreSQL),
-- written so that every statement can run again on an existing database.
CREATE TABLE IF NOT EXISTS event_journal (
  ordering BIGSERIAL,
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  deleted BOOLEAN DEFAULT FALSE NOT NULL,
  writer VARCHAR(255) NOT NULL,
  write_timestamp BIGINT,
  adapter_manifest VARCHAR(255),
  event_ser_id INTEGER NOT NULL,
  event_ser_manifest VARCHAR(255) NOT NULL,
  event_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
CREATE UNIQUE INDEX IF NOT EXISTS event_journal_ordering_idx ON event_journal(ordering);
CREATE TABLE IF NOT EXISTS event_tag (
  event_id BIGINT,
  tag VARCHAR(256),
  PRIMARY KEY(event_id, tag),
  CONSTRAINT fk_event_journal FOREIGN KEY(event_id)
    REFERENCES event_journal(ordering) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS snapshot (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  created BIGINT NOT NULL,
  snapshot_ser_id INTEGER NOT NULL,
  snapshot_ser_manifest VARCHAR(255) NOT NULL,
  snapshot_payload BYTEA NOT NULL,
  meta_ser_id INTEGER,
  meta_ser_manifest VARCHAR(255),
  meta_payload BYTEA,
  PRIMARY KEY(persistence_id, sequence_number)
);
-- Offset store and management table of Akka Projection 1.4.0 (JDBC, postgres-dialect, lower case).
CREATE TABLE IF NOT EXISTS akka_projection_offset_store (
  projection_name VARCHAR(255) NOT NULL,
  projection_key VARCHAR(255) NOT NULL,
  current_offset VARCHAR(255) NOT NULL,
  manifest VARCHAR(4) NOT NULL,
  mergeable BOOLEAN NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY(projection_name, projection_key)
);
CREATE INDEX IF NOT EXISTS akka_projection_name_index ON akka_projection_offset_store (projection_name);
CREATE TABLE IF NOT EXISTS akka_projection_management (
  projection_name VARCHAR(255) NOT NULL,
  projection_key VARCHAR(255) NOT NULL,
  paused BOOLEAN NOT NULL,
  last_updated BIGINT NOT NULL,
  PRIMARY KEY(projection_name, projection_key)
);
-- Replicated containers as the sync projection saw them created, by tag slice: what the
-- reconciler walks.
CREATE TABLE IF NOT EXISTS archipelago_sync_container (
  persistence_id VARCHAR(255) NOT NULL,
  slice INTEGER NOT NULL,
  account VARCHAR(1024) NOT NULL,
  container VARCHAR(1024) NOT NULL,
  primary_backend VARCHAR(255) NOT NULL,
  replica_backends VARCHAR(4096) NOT NULL,
  PRIMARY KEY(persistence_id)
);
CREATE INDEX IF NOT EXISTS archipelago_sync_container_slice_idx ON archipelago_sync_container (slice);
-- Swift container sync to an external cluster (X-Container-Sync-To / -Key).
ALTER TABLE archipelago_sync_container ADD COLUMN IF NOT EXISTS sync_to VARCHAR(2048) DEFAULT '' NOT NULL;
ALTER TABLE archipelago_sync_container ADD COLUMN IF NOT EXISTS sync_key VARCHAR(1024) DEFAULT '' NOT NULL;
-- The head of every entity's audit chain (sequence number and hash of its newest event), kept
-- outside the rows it protects so that removing an entity's newest events, or all of them, is
-- detected by `audit verify`. Maintained by a trigger in the transaction of the journal insert
-- itself; it only moves forward.
CREATE TABLE IF NOT EXISTS archipelago_audit_head (
  persistence_id VARCHAR(255) NOT NULL,
  sequence_number BIGINT NOT NULL,
  event_hash BYTEA,
  PRIMARY KEY(persistence_id)
);
-- The own hash of an audit envelope (AuditEnvelope.toBytes: format byte 1, the type as a
-- 2-byte length and its bytes, a 4-byte version, the previous hash, then this hash), or NULL
-- for a row that is not one.
CREATE OR REPLACE FUNCTION archipelago_envelope_hash(ser_id INTEGER, ser_manifest VARCHAR, payload BYTEA)
RETURNS BYTEA LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN ser_id = 727301 AND ser_manifest = 'E1' AND length(payload) >= 3 AND get_byte(payload, 0) = 1
         AND length(payload) >= 71 + get_byte(payload, 1) * 256 + get_byte(payload, 2)
    THEN substring(payload FROM 40 + get_byte(payload, 1) * 256 + get_byte(payload, 2) FOR 32)
  END
$$;
CREATE OR REPLACE FUNCTION archipelago_audit_head_advance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO archipelago_audit_head (persistence_id, sequence_number, event_hash)
  VALUES (NEW.persistence_id, NEW.sequence_number,
          archipelago_envelope_hash(NEW.event_ser_id, NEW.event_ser_manifest, NEW.event_payload))
  ON CONFLICT (persistence_id) DO UPDATE
    SET sequence_number = EXCLUDED.sequence_number, event_hash = EXCLUDED.event_hash
    WHERE archipelago_audit_head.sequence_number < EXCLUDED.sequence_number;
  RETURN NULL;
END
$$;
-- Created once, never dropped and re-created: other nodes may be writing meanwhile.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger
                 WHERE tgname = 'archipelago_audit_head_advance' AND tgrelid = 'event_journal'::regclass) THEN
    CREATE TRIGGER archipelago_audit_head_advance AFTER INSERT ON event_journal
      FOR EACH ROW EXECUTE FUNCTION archipelago_audit_head_advance();
  END IF;
END
$$;
-- One-time data steps already done (e.g. chain heads initialised from an existing journal).
CREATE TABLE IF NOT EXISTS archipelago_schema_step (
  step VARCHAR(255) NOT NULL,
  done_at BIGINT NOT NULL,
  PRIMARY KEY(step)
);
-- The cluster lease (ClusterLease in the engine): the one row says which gateway cluster writes
-- this journal. Every member of that cluster renews it; a node refuses to form a second cluster
-- while the heartbeat (database clock) is fresh.
CREATE TABLE IF NOT EXISTS archipelago_cluster_lease (
  lease_name VARCHAR(64) NOT NULL,
  incarnation VARCHAR(64) NOT NULL,
  holder VARCHAR(512) NOT NULL,
  heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY(lease_name)
);
