package io.archipelago.http.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerHistory;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.audit.AuditEnvelope;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.AuditSerializer;
import io.archipelago.persistence.audit.ChainHash;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes a long container history straight into the journal tables, exactly as the entity's event
 * adapter would (chained envelopes, same serializer id and manifests), much faster than persisting
 * it through the entity: for the tests that need 100,000 events.
 */
public final class JournalFixture {

  private JournalFixture() {}

  /**
   * A container created at {@code start} and then {@code writes} objects written one millisecond
   * apart, each with a long name (so that each audit line is about 1.3 KiB).
   */
  public static void container(
      Config config, String account, String container, int writes, Instant start) throws Exception {
    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    ObjectMapper mapper = AuditMapper.create(config);
    String pid = ContainerHistory.persistenceId(account, container);
    String padding = "x".repeat(300);
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      c.setAutoCommit(false);
      try (PreparedStatement st =
          c.prepareStatement(
              "INSERT INTO \"event_journal\" (\"persistence_id\","
                  + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
                  + " \"event_ser_id\", \"event_ser_manifest\", \"deleted\") VALUES (?, ?, 'fixture', ?, ?, ?, ?, ?, false)")) {
        byte[] head = ChainHash.genesis();
        for (int seq = 1; seq <= writes + 1; seq++) {
          Instant at = start.plusMillis(seq);
          AuditInfo audit =
              new AuditInfo("test:tester", account, "192.0.2.1", "fixture:25520", "tx" + seq, at);
          SwiftTimestamp ts = SwiftTimestamp.ofInstant(at);
          ContainerEntity.Event event =
              seq == 1
                  ? new ContainerEntity.ContainerCreated(
                      account,
                      container,
                      "standard",
                      "local-standard",
                      List.of(),
                      Map.of("x-container-meta-fixture", "yes"),
                      ts,
                      audit)
                  : new ContainerEntity.ObjectWritten(
                      "objects/" + padding + "/" + seq,
                      "d41d8cd98f00b204e9800998ecf8427e",
                      seq,
                      "application/octet-stream",
                      ts,
                      false,
                      0,
                      audit);
          String type = EventSchemas.CONTAINER.typeOf(event);
          AuditEnvelope envelope =
              AuditEnvelope.chain(
                  pid,
                  head,
                  type,
                  EventSchemas.CONTAINER.versionOf(event),
                  EventSchemas.CONTAINER.encode(mapper, event));
          head = envelope.hash();
          st.setString(1, pid);
          st.setLong(2, seq);
          st.setLong(3, at.toEpochMilli());
          st.setString(4, type);
          st.setBytes(5, envelope.toBytes());
          st.setInt(6, AuditSerializer.IDENTIFIER);
          st.setString(7, AuditSerializer.ENVELOPE_MANIFEST);
          st.addBatch();
          if (seq % 1000 == 0) {
            st.executeBatch();
            c.commit();
          }
        }
        st.executeBatch();
        c.commit();
      }
    }
  }
}
