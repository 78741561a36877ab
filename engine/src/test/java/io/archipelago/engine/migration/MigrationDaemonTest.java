package io.archipelago.engine.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The message that starts a migration's copy at once reaches the daemons of every node. */
class MigrationDaemonTest {

  private static ActorTestKit testKit;

  @BeforeAll
  static void startSystem() {
    // serialization only: no cluster needed
    testKit =
        ActorTestKit.create(
            "MigrationDaemonTest",
            ConfigFactory.parseString("akka.actor.provider = local")
                .withFallback(ConfigFactory.load("application-test")));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @Test
  void theStartedMessageSurvivesSerialization() {
    MigrationDaemon.Started started = new MigrationDaemon.Started("AUTH_test/photos");
    assertEquals(started, testKit.serializationTestKit().verifySerialization(started, true));
  }
}
