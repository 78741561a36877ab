package io.archipelago.http.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Content negotiation as Swift's {@code swob.Accept.best_match}: media ranges sorted by quality,
 * then exact before wildcard (stable otherwise); the first range matching one of the offered types,
 * in offer order, wins. No header picks the first offer; a malformed one picks none ({@link
 * #bestMatch}) or is refused ({@link #negotiate}).
 */
public final class AcceptHeader {

  private static final String TOKEN = "[^()<>@,;:\\\\\"/\\[\\]?={}\\x00-\\x20\\x7f]+";
  private static final String QUOTED = "\"(?:[^\"]|(?:\\\\.))*\"";
  private static final String EXTENSION =
      "(?:\\s*;\\s*(?:" + TOKEN + ")\\s*=\\s*(?:" + TOKEN + "|" + QUOTED + "))";
  private static final Pattern RANGE =
      Pattern.compile("^\\s*(" + TOKEN + ")/(" + TOKEN + ")(" + EXTENSION + "*?\\s*)$");

  private record Range(Pattern pattern, double quality, boolean exact) {}

  private AcceptHeader() {}

  public static Optional<String> bestMatch(String header, List<String> offers) {
    try {
      return negotiate(header, offers);
    } catch (IllegalArgumentException malformed) {
      return Optional.empty();
    }
  }

  /**
   * The best offer for {@code header}, empty when none is acceptable; throws {@link
   * IllegalArgumentException} for a malformed header (Swift answers 400 to those).
   */
  public static Optional<String> negotiate(String header, List<String> offers) {
    if (header == null || header.isEmpty()) {
      return offers.isEmpty() ? Optional.empty() : Optional.of(offers.get(0));
    }
    List<Range> ranges = new ArrayList<>();
    for (String item : header.split(",", -1)) {
      Matcher m = RANGE.matcher(item);
      if (!m.matches()) {
        throw new IllegalArgumentException("Invalid Accept header");
      }
      String type = m.group(1);
      String subtype = m.group(2);
      double quality = 1.0;
      boolean seenQ = false;
      for (String param : m.group(3).split(";")) {
        if (param.strip().isEmpty()) {
          continue;
        }
        String[] nv = param.split("=", -1);
        if (nv.length != 2) {
          throw new IllegalArgumentException("Invalid Accept header");
        }
        if (nv[0].strip().equals("q")) {
          if (seenQ) {
            throw new IllegalArgumentException("Invalid Accept header");
          }
          seenQ = true;
          try {
            quality = Double.parseDouble(nv[1].strip());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid Accept header");
          }
        }
      }
      String regex =
          (type.equals("*") ? TOKEN : Pattern.quote(type))
              + "/"
              + (subtype.equals("*") ? TOKEN : Pattern.quote(subtype));
      ranges.add(
          new Range(Pattern.compile(regex), quality, !type.equals("*") && !subtype.equals("*")));
    }
    // Python's stable sort, reversed on (quality, exact): equal keys keep their order.
    List<Range> sorted = new ArrayList<>(ranges);
    sorted.sort(
        (a, b) -> {
          int byQuality = Double.compare(b.quality(), a.quality());
          return byQuality != 0 ? byQuality : Boolean.compare(b.exact(), a.exact());
        });
    for (Range range : sorted) {
      for (String offer : offers) {
        if (range.pattern().matcher(offer).matches()) {
          return Optional.of(offer);
        }
      }
    }
    return Optional.empty();
  }
}
