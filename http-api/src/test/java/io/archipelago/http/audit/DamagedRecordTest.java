package io.archipelago.http.audit;

import static io.archipelago.http.audit.AuditTesting.cli;
import static io.archipelago.http.audit.AuditTesting.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.archipelago.engine.audit.EventSchemas;
import io.archipelago.engine.container.ContainerEntity;
import io.archipelago.engine.container.ContainerHistory;
import io.archipelago.engine.store.SwiftTimestamp;
import io.archipelago.http.testkit.SwiftClient;
import io.archipelago.http.testkit.TestGateway;
import io.archipelago.persistence.DatabaseSettings;
import io.archipelago.persistence.audit.AuditEnvelope;
import io.archipelago.persistence.audit.AuditInfo;
import io.archipelago.persistence.audit.AuditMapper;
import io.archipelago.persistence.audit.AuditSerializer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers whose journal holds events a gateway cannot apply as they are: an object write
 * journaled with an overflowed X-Timestamp by gateways before the timestamp check (read back
 * clamped), and an event this version cannot read at all (the container answers 503 at once, naming
 * the damage, until an operator skips the event through the admin API). Both are written straight
 * into the H2 journal while the node is stopped, chained as the entity chains them.
 */
class DamagedRecordTest {

  @TempDir Path node;

  @Test
  void anOverflowedTimestampJournaledByOldGatewaysRecoversAndReplays() throws Exception {
    try (TestGateway gateway = TestGateway.start(node)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      assertEquals(201, tester.call("PUT", "/legacy").statusCode());
      assertEquals(201, tester.call("PUT", "/legacy/before", Map.of(), "before").statusCode());
    }
    Config config = config(node, Map.of());
    // What the old code journaled for X-Timestamp 9223372036854775807: its ticks overflowed to
    // -100000, whose text form was "00000000-1.00000".
    long seqNr = append(config, "AUTH_test", "legacy", "ObjectWritten", 1, overflowedWrite(config));

    try (TestGateway gateway = TestGateway.start(node)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      long started = System.nanoTime();
      HttpResponse<String> head = tester.call("HEAD", "/legacy");
      assertEquals(204, head.statusCode(), head.body());
      assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "answered late");
      assertEquals("2", head.headers().firstValue("X-Container-Object-Count").orElseThrow());
      assertEquals(201, tester.call("PUT", "/legacy/after", Map.of(), "after").statusCode());
      assertEquals(
          "3",
          tester
              .call("HEAD", "/legacy")
              .headers()
              .firstValue("X-Container-Object-Count")
              .orElseThrow());
    }

    AuditTesting.CliResult replay = cli(config, "replay", "--container", "AUTH_test/legacy");
    assertEquals(0, replay.code(), replay.out() + replay.err());
    JsonNode state = AuditTesting.JSON.readTree(replay.out());
    assertEquals(3, state.get("objectCount").asInt(), replay.out());
    assertEquals(seqNr + 1, state.get("sequenceNr").asLong(), replay.out());
    assertFalse(state.has("unreadableEvents"), replay.out());
    AuditTesting.CliResult verify = cli(config, "verify", "--no-progress");
    assertEquals(0, verify.code(), verify.out() + verify.err());
  }

  @Test
  void anUnreadableEventAnswers503AtOnceUntilAnOperatorSkipsIt() throws Exception {
    try (TestGateway gateway = TestGateway.start(node)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      assertEquals(201, tester.call("PUT", "/broken").statusCode());
      assertEquals(201, tester.call("PUT", "/broken/o", Map.of(), "o").statusCode());
    }
    Config config = config(node, Map.of());
    // An event of a type this version does not know (as a newer gateway might write it).
    ObjectNode future =
        AuditTesting.JSON.createObjectNode().put("name", "o").put("teleportedTo", "mars");
    long bad =
        append(
            config,
            "AUTH_test",
            "broken",
            "ObjectTeleported",
            1,
            AuditMapper.create(config).writeValueAsBytes(future));

    AuditTesting.CliResult replay = cli(config, "replay", "--container", "AUTH_test/broken");
    assertEquals(0, replay.code(), replay.out() + replay.err());
    assertTrue(
        replay
            .err()
            .contains("event " + bad + " (ObjectTeleported) cannot be read and was left out"),
        replay.err());
    JsonNode unreadable = AuditTesting.JSON.readTree(replay.out()).get("unreadableEvents");
    assertEquals(bad, unreadable.get(0).get("sequenceNr").asLong(), replay.out());
    assertEquals(
        1, AuditTesting.JSON.readTree(replay.out()).get("objectCount").asInt(), replay.out());

    try (TestGateway gateway = TestGateway.start(node)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      SwiftClient admin = SwiftClient.login(gateway.baseUrl(), "admin:admin", "admin");
      String damaged =
          "The record of container broken is damaged (event "
              + bad
              + " cannot be read); an operator must repair it.";
      for (String[] call :
          new String[][] {{"HEAD", "/broken"}, {"GET", "/broken/o"}, {"PUT", "/broken/p"}}) {
        long started = System.nanoTime();
        HttpResponse<String> r =
            tester.call(call[0], call[1], Map.of(), call[0].equals("PUT") ? "p" : null);
        assertEquals(503, r.statusCode(), call[0] + " " + r.body());
        assertTrue(
            System.nanoTime() - started < Duration.ofSeconds(4).toNanos(),
            call[0] + " answered late");
        if (!call[0].equals("HEAD")) {
          assertEquals(damaged, r.body());
        }
      }
      // Other containers are not affected.
      assertEquals(201, tester.call("PUT", "/healthy").statusCode());

      HttpResponse<String> wrong = skip(gateway, admin, bad - 1);
      assertEquals(400, wrong.statusCode(), wrong.body());
      HttpResponse<String> skipped = skip(gateway, admin, bad);
      assertEquals(200, skipped.statusCode(), skipped.body());
      assertEquals(204, tester.call("HEAD", "/broken").statusCode());
      assertEquals(201, tester.call("PUT", "/broken/p", Map.of(), "p").statusCode());
    }

    // The skip is an event: a restarted node serves the container, and the chain is intact.
    try (TestGateway gateway = TestGateway.start(node)) {
      SwiftClient tester = SwiftClient.login(gateway.baseUrl(), "test:tester", "testing");
      HttpResponse<String> head = tester.call("HEAD", "/broken");
      assertEquals(204, head.statusCode(), head.body());
      assertEquals("2", head.headers().firstValue("X-Container-Object-Count").orElseThrow());
    }
    AuditTesting.CliResult after = cli(config, "replay", "--container", "AUTH_test/broken");
    assertEquals(0, after.code(), after.out() + after.err());
    assertTrue(after.err().contains("(an operator skipped it)"), after.err());
    assertEquals(0, cli(config, "verify", "--no-progress").code());
  }

  private static HttpResponse<String> skip(TestGateway gateway, SwiftClient admin, long seqNr) {
    return admin.send(
        HttpRequest.newBuilder(
                URI.create(gateway.baseUrl() + "/admin/containers/AUTH_test/broken/skip-event"))
            .header("X-Auth-Token", admin.token())
            .POST(HttpRequest.BodyPublishers.ofString("{\"sequenceNr\": " + seqNr + "}"))
            .build());
  }

  /** The payload the old code stored for a write with X-Timestamp 9223372036854775807. */
  private static byte[] overflowedWrite(Config config) throws Exception {
    ObjectMapper mapper = AuditMapper.create(config);
    AuditInfo audit =
        new AuditInfo(
            "test:tester", "AUTH_test", "192.0.2.1", "old:25520", "tx-old", Instant.now());
    ContainerEntity.ObjectWritten event =
        new ContainerEntity.ObjectWritten(
            "overflowed",
            "d41d8cd98f00b204e9800998ecf8427e",
            0,
            "application/octet-stream",
            new SwiftTimestamp(1),
            false,
            0,
            audit);
    ObjectNode tree = (ObjectNode) mapper.readTree(EventSchemas.CONTAINER.encode(mapper, event));
    assertEquals("0000000000.00001", tree.get("timestamp").asText());
    tree.put("timestamp", "00000000-1.00000");
    return mapper.writeValueAsBytes(tree);
  }

  /**
   * Appends an event after the container's last one, chained to it; answers its sequence number.
   */
  private static long append(
      Config config, String account, String container, String type, int version, byte[] payload)
      throws Exception {
    DatabaseSettings db = DatabaseSettings.fromConfig(config);
    String pid = ContainerHistory.persistenceId(account, container);
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
      long last;
      byte[] head;
      try (PreparedStatement st =
          c.prepareStatement(
              "SELECT \"sequence_number\", \"event_payload\" FROM"
                  + " \"event_journal\" WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\" DESC LIMIT 1")) {
        st.setString(1, pid);
        try (ResultSet rs = st.executeQuery()) {
          assertTrue(rs.next(), "no events of " + pid);
          last = rs.getLong(1);
          head = AuditEnvelope.fromBytes(rs.getBytes(2)).hash();
        }
      }
      AuditEnvelope envelope = AuditEnvelope.chain(pid, head, type, version, payload);
      try (PreparedStatement st =
          c.prepareStatement(
              "INSERT INTO \"event_journal\" (\"persistence_id\","
                  + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
                  + " \"event_ser_id\", \"event_ser_manifest\", \"deleted\") VALUES (?, ?, 'old', ?, ?, ?, ?, ?, false)")) {
        st.setString(1, pid);
        st.setLong(2, last + 1);
        st.setLong(3, System.currentTimeMillis());
        st.setString(4, type);
        st.setBytes(5, envelope.toBytes());
        st.setInt(6, AuditSerializer.IDENTIFIER);
        st.setString(7, AuditSerializer.ENVELOPE_MANIFEST);
        assertEquals(1, st.executeUpdate());
      }
      return last + 1;
    }
  }
}
