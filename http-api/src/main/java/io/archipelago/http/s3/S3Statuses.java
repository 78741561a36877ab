package io.archipelago.http.s3;

/** Swift answers of the sub-requests, as S3 errors. */
final class S3Statuses {

  /** What the Swift request addressed: a missing one is a different S3 error. */
  enum Target {
    ACCOUNT,
    BUCKET,
    OBJECT
  }

  private S3Statuses() {}

  static S3Exception failure(int status, Target target) {
    return switch (status) {
      case 401, 403 -> new S3Exception(S3ErrorCode.ACCESS_DENIED);
      case 404 ->
          new S3Exception(
              target == Target.OBJECT ? S3ErrorCode.NO_SUCH_KEY : S3ErrorCode.NO_SUCH_BUCKET);
      case 400 -> new S3Exception(S3ErrorCode.INVALID_REQUEST);
      case 409 ->
          new S3Exception(
              S3ErrorCode.INVALID_REQUEST, "The request conflicts with the state of the resource");
      case 411 -> new S3Exception(S3ErrorCode.MISSING_CONTENT_LENGTH);
      case 412 -> new S3Exception(S3ErrorCode.PRECONDITION_FAILED);
      case 413 -> new S3Exception(S3ErrorCode.ENTITY_TOO_LARGE);
      case 416 -> new S3Exception(S3ErrorCode.INVALID_RANGE);
      case 422 -> new S3Exception(S3ErrorCode.BAD_DIGEST);
      case 499 -> new S3Exception(S3ErrorCode.INCOMPLETE_BODY);
      case 503, 504 -> new S3Exception(S3ErrorCode.SERVICE_UNAVAILABLE);
      default -> new S3Exception(S3ErrorCode.INTERNAL_ERROR);
    };
  }
}
