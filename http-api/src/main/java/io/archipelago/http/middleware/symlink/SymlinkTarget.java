package io.archipelago.http.middleware.symlink;

import io.archipelago.engine.store.ObjectInfo;
import io.archipelago.http.protocol.PyText;
import io.archipelago.http.protocol.SwiftHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a stored symlink points, as Swift keeps it: the target {@code container/object} and the
 * target account (if given) URL-quoted, and for a static link the ETag and size its target had when
 * the link was made. It is kept twice, on every backend kind: as the object's system metadata (read
 * when the link is read) and as {@code swift_symlink_*} parameters of its content type (read by
 * listings, which show them as Swift's {@code symlink_path}, {@code symlink_etag} and {@code
 * symlink_bytes}).
 *
 * @param target the quoted {@code container/object}
 * @param account the quoted target account; empty: the link's own account
 */
public record SymlinkTarget(
    String target, Optional<String> account, Optional<String> etag, Optional<Long> bytes) {

  static final String SYSMETA_TARGET = "x-object-sysmeta-symlink-target";
  static final String SYSMETA_ACCOUNT = "x-object-sysmeta-symlink-target-account";
  static final String SYSMETA_ETAG = "x-object-sysmeta-symlink-target-etag";
  static final String SYSMETA_BYTES = "x-object-sysmeta-symlink-target-bytes";

  private static final String PARAM_TARGET = "swift_symlink_target";
  private static final String PARAM_ACCOUNT = "swift_symlink_target_account";
  private static final String PARAM_ETAG = "swift_symlink_target_etag";
  private static final String PARAM_BYTES = "swift_symlink_target_bytes";

  /** The link a stored object is; empty for any other object. */
  public static Optional<SymlinkTarget> of(ObjectInfo info) {
    return of(info.metadata());
  }

  static Optional<SymlinkTarget> of(Map<String, String> metadata) {
    String target = metadata.get(SYSMETA_TARGET);
    if (target == null || target.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new SymlinkTarget(
            target,
            Optional.ofNullable(metadata.get(SYSMETA_ACCOUNT)).filter(a -> !a.isEmpty()),
            Optional.ofNullable(metadata.get(SYSMETA_ETAG)).filter(e -> !e.isEmpty()),
            Optional.ofNullable(metadata.get(SYSMETA_BYTES)).flatMap(SymlinkTarget::number)));
  }

  /** The link a listing row's content type describes, for Swift's listing fields. */
  public static Optional<SymlinkTarget> ofContentType(String contentType) {
    return SwiftHeaders.swiftParam(contentType, PARAM_TARGET)
        .map(
            target ->
                new SymlinkTarget(
                    target,
                    SwiftHeaders.swiftParam(contentType, PARAM_ACCOUNT),
                    SwiftHeaders.swiftParam(contentType, PARAM_ETAG),
                    SwiftHeaders.swiftParam(contentType, PARAM_BYTES)
                        .flatMap(SymlinkTarget::number)));
  }

  private static Optional<Long> number(String value) {
    try {
      return Optional.of(Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The system metadata that makes an object this link. */
  public Map<String, String> sysmeta() {
    Map<String, String> result = new LinkedHashMap<>();
    result.put(SYSMETA_TARGET, target);
    account.ifPresent(a -> result.put(SYSMETA_ACCOUNT, a));
    etag.ifPresent(e -> result.put(SYSMETA_ETAG, e));
    bytes.ifPresent(b -> result.put(SYSMETA_BYTES, Long.toString(b)));
    return result;
  }

  /** The content type parameters a listing reads this link from. */
  public String contentTypeParams() {
    StringBuilder sb = new StringBuilder();
    sb.append(';').append(PARAM_TARGET).append('=').append(target);
    account.ifPresent(a -> sb.append(';').append(PARAM_ACCOUNT).append('=').append(a));
    etag.ifPresent(e -> sb.append(';').append(PARAM_ETAG).append('=').append(e));
    bytes.ifPresent(b -> sb.append(';').append(PARAM_BYTES).append('=').append(b));
    return sb.toString();
  }

  public SymlinkTarget withAccount(String quotedAccount) {
    return new SymlinkTarget(target, Optional.of(quotedAccount), etag, bytes);
  }

  /** The account the target lives in, for a link in {@code linkAccount}. */
  public String account(String linkAccount) {
    return account.map(PyText::unquote).orElse(linkAccount);
  }

  public String container() {
    String path = PyText.unquote(target);
    return path.substring(0, path.indexOf('/'));
  }

  public String object() {
    String path = PyText.unquote(target);
    return path.substring(path.indexOf('/') + 1);
  }

  /** {@code /v1/<account>/<container>/<object>}, quoted: Content-Location, Location, listings. */
  public String path(String linkAccount) {
    return "/v1/" + account.orElse(PyText.quote(linkAccount)) + "/" + target;
  }
}
