package io.archipelago.persistence.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.JournalDialect;
import io.archipelago.persistence.SchemaBootstrap;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log's pages must be read in index order: when H2 sorts instead, it sorts every
 * remaining row of the range for each page, and streaming 100,000 events of one container took
 * minutes. Checked on H2's own plans, over a journal of two accounts.
 */
class JournalReaderPlanTest {

  @TempDir static Path dir;
  private static DatabaseSettings settings;

  @BeforeAll
  static void journalOfTwoAccounts() throws Exception {
    settings =
        new DatabaseSettings(
            JournalDialect.H2,
            "jdbc:h2:file:" + dir.resolve("journal") + ";DB_CLOSE_ON_EXIT=FALSE",
            "sa",
            "");
    SchemaBootstrap.apply(settings);
    try (Connection c = DriverManager.getConnection(settings.url(), "sa", "");
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO \"event_journal\" (\"persistence_id\","
                    + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
                    + " \"event_ser_id\", \"event_ser_manifest\") VALUES (?, ?, 'w', 0, 'ObjectWritten', ?, 1, 'x')")) {
      c.setAutoCommit(false);
      byte[] payload = new byte[300];
      for (int i = 1; i <= 20_000; i++) {
        insert.setString(
            1, i % 2 == 0 ? "Container|AUTH_test/big" : "Container|AUTH_other/c" + (i % 500));
        insert.setLong(2, i);
        insert.setBytes(3, payload);
        insert.addBatch();
        if (i % 1000 == 0) {
          insert.executeBatch();
          c.commit();
        }
      }
      c.createStatement().execute("ANALYZE");
    }
  }

  private static String plan(AuditQuery query) throws Exception {
    try (JournalReader reader = JournalReader.open(settings)) {
      return reader.pagePlan(query, 100, 500);
    }
  }

  @Test
  void oneContainersEventsAreReadAlongItsKey() throws Exception {
    String plan = plan(AuditQuery.all().withEntities(Set.of("Container|AUTH_test/big"), List.of()));
    assertTrue(plan.contains("index sorted"), plan);
  }

  @Test
  void anAccountsEventsAreReadAlongTheJournalOrder() throws Exception {
    String plan =
        plan(
            AuditQuery.all()
                .withEntities(Set.of("Account|AUTH_test"), List.of("Container|AUTH_test/")));
    assertTrue(plan.contains("index sorted"), plan);
    plan = plan(AuditQuery.all().withEntities(Set.of(), List.of("Container|AUTH_other/")));
    assertTrue(plan.contains("index sorted"), plan);
  }

  @Test
  void theWholeLogAndTypeFiltersAreReadAlongTheJournalOrder() throws Exception {
    assertTrue(plan(AuditQuery.all()).contains("index sorted"));
    assertTrue(plan(AuditQuery.all().withTypes(Set.of("ObjectWritten"))).contains("index sorted"));
  }
}
