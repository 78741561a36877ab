package io.archipelago.http.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.archipelago.http.protocol.PyText;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * TempAuth's account ACLs ({@code X-Account-Access-Control}, Swift's version-2 ACL syntax): a JSON
 * object whose keys {@code admin}, {@code read-write} and {@code read-only} list the users and
 * groups granted that level on the whole account.
 *
 * <ul>
 *   <li>read-only: GET and HEAD everywhere in the account;
 *   <li>read-write: that, plus every request on containers and objects (not account POST);
 *   <li>admin: everything an owner may do, setting ACLs included.
 * </ul>
 */
public record AccountAcl(List<String> admin, List<String> readWrite, List<String> readOnly) {

  /** The header, and the name it is kept under in the account's metadata. */
  public static final String HEADER = "x-account-access-control";

  private static final List<String> KEYS = List.of("admin", "read-write", "read-only");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public AccountAcl {
    admin = List.copyOf(admin);
    readWrite = List.copyOf(readWrite);
    readOnly = List.copyOf(readOnly);
  }

  /** A refused header; the message is Swift's explanation. */
  public static final class InvalidAcl extends IllegalArgumentException {
    InvalidAcl(String message) {
      super(message, null);
    }
  }

  /**
   * Validates a header value as TempAuth does and returns it in Swift's canonical form (compact
   * JSON, sorted keys, ASCII only), or "" when it grants nothing ("" and "{}" clear the ACL).
   *
   * @throws InvalidAcl with TempAuth's reason
   */
  public static String validate(String value) {
    if (value.isEmpty()) {
      return "";
    }
    JsonNode root;
    try {
      root = JSON.readTree(value);
    } catch (JsonProcessingException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      throw new InvalidAcl("Syntax error in input (" + PyText.repr(value) + ")");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String key = names.next();
      if (!KEYS.contains(key)) {
        throw new InvalidAcl("Key " + PyText.jsonString(key) + " not recognized");
      }
    }
    for (String key : KEYS) {
      JsonNode list = root.get(key);
      if (list == null) {
        continue;
      }
      if (!list.isArray()) {
        throw new InvalidAcl("Value for key " + PyText.jsonString(key) + " must be a list");
      }
      for (JsonNode grantee : list) {
        if (!grantee.isTextual()) {
          throw new InvalidAcl("Elements of " + PyText.jsonString(key) + " list must be strings");
        }
      }
    }
    if (root.size() == 0) {
      return "";
    }
    // format_acl(version=2): json.dumps(sort_keys=True, separators=(',', ':'), ensure_ascii=True)
    StringBuilder sb = new StringBuilder("{");
    for (String key : KEYS.stream().sorted().toList()) {
      JsonNode list = root.get(key);
      if (list == null) {
        continue;
      }
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(PyText.jsonString(key)).append(":[");
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(PyText.jsonString(list.get(i).asText()));
      }
      sb.append(']');
    }
    return sb.append('}').toString();
  }

  /**
   * The ACL kept in an account's metadata, if it grants anyone anything ({@code
   * acls_from_account_info}).
   */
  public static Optional<AccountAcl> of(Map<String, String> accountMetadata) {
    String stored = accountMetadata.get(HEADER);
    if (stored == null || stored.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode root = JSON.readTree(stored);
      if (root == null || !root.isObject()) {
        return Optional.empty();
      }
      AccountAcl acl =
          new AccountAcl(
              members(root, "admin"), members(root, "read-write"), members(root, "read-only"));
      return acl.admin.isEmpty() && acl.readWrite.isEmpty() && acl.readOnly.isEmpty()
          ? Optional.empty()
          : Optional.of(acl);
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  private static List<String> members(JsonNode root, String key) {
    List<String> result = new ArrayList<>();
    JsonNode list = root.get(key);
    if (list != null && list.isArray()) {
      list.forEach(
          m -> {
            if (m.isTextual()) {
              result.add(m.asText());
            }
          });
    }
    return result;
  }
}
