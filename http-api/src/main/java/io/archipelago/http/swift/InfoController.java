package io.archipelago.http.swift;

import akka.http.javadsl.model.ContentType;
import akka.http.javadsl.model.HttpCharsets;
import akka.http.javadsl.model.HttpEntities;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.archipelago.engine.placement.PlacementPolicy;
import io.archipelago.http.protocol.Constraints;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code GET /info}: the constraints the gateway enforces and the features it offers. Only what
 * works is advertised, since clients switch features on from this document; the middlewares add
 * their sections through {@link #with}: static large objects ({@code slo}, with {@code
 * yield_frequency} for {@code heartbeat=on}; no async delete) and legacy object versioning ({@code
 * versioned_writes}), among others. Dynamic large objects, server-side copy and object expiry are
 * core Swift behaviour with no entry of their own. Placement policies appear as storage policies.
 */
public final class InfoController {

  private final String body;

  public InfoController(
      Map<String, PlacementPolicy> policies, String defaultPolicy, long maxFileSize) {
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode root = mapper.createObjectNode();
    ObjectNode swift = root.putObject("swift");
    swift.put("version", "2.30.1");
    swift.put("max_file_size", maxFileSize);
    swift.put("max_object_name_length", Constraints.MAX_OBJECT_NAME_LENGTH);
    swift.put("max_container_name_length", Constraints.MAX_CONTAINER_NAME_LENGTH);
    swift.put("max_account_name_length", Constraints.MAX_ACCOUNT_NAME_LENGTH);
    swift.put("container_listing_limit", Constraints.CONTAINER_LISTING_LIMIT);
    swift.put("account_listing_limit", Constraints.ACCOUNT_LISTING_LIMIT);
    swift.put("max_meta_name_length", Constraints.MAX_META_NAME_LENGTH);
    swift.put("max_meta_value_length", Constraints.MAX_META_VALUE_LENGTH);
    swift.put("max_meta_count", Constraints.MAX_META_COUNT);
    swift.put("max_meta_overall_size", Constraints.MAX_META_OVERALL_SIZE);
    swift.put("max_header_size", Constraints.MAX_HEADER_SIZE);
    swift.put("max_request_line", Constraints.MAX_REQUEST_LINE);
    swift.put("extra_header_count", Constraints.EXTRA_HEADER_COUNT);
    swift.put("account_autocreate", true);
    swift.put("allow_account_management", false);
    swift.put("strict_cors_mode", true);
    ArrayNode versions = swift.putArray("valid_api_versions");
    versions.add("v1");
    versions.add("v1.0");
    ArrayNode list = swift.putArray("policies");
    policies
        .values()
        .forEach(
            p -> {
              ObjectNode node = list.addObject();
              node.put("name", p.name());
              if (p.name().equals(defaultPolicy)) {
                node.put("default", true);
              }
            });
    root.putObject("tempauth");
    this.body = root.toString();
  }

  /** Swift's info controller: {@code application/json; charset=UTF-8}. */
  private static final ContentType.WithCharset JSON_UTF8 =
      MediaTypes.customWithOpenCharset("application", "json", Map.of(), false)
          .toContentType(HttpCharsets.UTF_8);

  public HttpResponse info() {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(HttpEntities.create(JSON_UTF8, body));
  }

  /**
   * This document with the sections of features implemented outside this package (access control,
   * bulk operations) added or replaced by {@code capabilities}.
   */
  public InfoController with(Consumer<ObjectNode> capabilities) {
    try {
      ObjectNode root = (ObjectNode) new ObjectMapper().readTree(body);
      capabilities.accept(root);
      return new InfoController(root.toString());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private InfoController(String body) {
    this.body = body;
  }
}
