package io.archipelago.http.s3;

import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;

/** The S3 error codes the front end answers, each with its HTTP status and S3's message. */
public enum S3ErrorCode {
  ACCESS_DENIED("AccessDenied", StatusCodes.FORBIDDEN, "Access Denied"),
  BAD_DIGEST(
      "BadDigest",
      StatusCodes.BAD_REQUEST,
      "The Content-MD5 you specified did not match what we received."),
  BUCKET_ALREADY_OWNED_BY_YOU(
      "BucketAlreadyOwnedByYou",
      StatusCodes.CONFLICT,
      "Your previous request to create the named bucket succeeded and you already own it."),
  BUCKET_NOT_EMPTY(
      "BucketNotEmpty", StatusCodes.CONFLICT, "The bucket you tried to delete is not empty"),
  ENTITY_TOO_SMALL(
      "EntityTooSmall",
      StatusCodes.BAD_REQUEST,
      "Your proposed upload is smaller than the minimum allowed object size."),
  INVALID_PART(
      "InvalidPart",
      StatusCodes.BAD_REQUEST,
      "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag."),
  INVALID_PART_ORDER(
      "InvalidPartOrder",
      StatusCodes.BAD_REQUEST,
      "The list of parts was not in ascending order. The parts list must be specified in order by part number."),
  ENTITY_TOO_LARGE(
      "EntityTooLarge",
      StatusCodes.BAD_REQUEST,
      "Your proposed upload exceeds the maximum allowed object size."),
  INCOMPLETE_BODY(
      "IncompleteBody",
      StatusCodes.BAD_REQUEST,
      "You did not provide the number of bytes specified by the Content-Length HTTP header."),
  INTERNAL_ERROR(
      "InternalError",
      StatusCodes.INTERNAL_SERVER_ERROR,
      "We encountered an internal error. Please try again."),
  INVALID_ACCESS_KEY_ID(
      "InvalidAccessKeyId",
      StatusCodes.FORBIDDEN,
      "The AWS Access Key Id you provided does not exist in our records."),
  INVALID_ARGUMENT("InvalidArgument", StatusCodes.BAD_REQUEST, "Invalid Argument"),
  INVALID_BUCKET_NAME(
      "InvalidBucketName", StatusCodes.BAD_REQUEST, "The specified bucket is not valid."),
  INVALID_DIGEST(
      "InvalidDigest", StatusCodes.BAD_REQUEST, "The Content-MD5 you specified is not valid."),
  INVALID_LOCATION_CONSTRAINT(
      "InvalidLocationConstraint",
      StatusCodes.BAD_REQUEST,
      "The specified location constraint is not valid."),
  INVALID_RANGE(
      "InvalidRange", StatusCodes.RANGE_NOT_SATISFIABLE, "The requested range is not satisfiable"),
  INVALID_REQUEST("InvalidRequest", StatusCodes.BAD_REQUEST, "Invalid Request"),
  KEY_TOO_LONG("KeyTooLongError", StatusCodes.BAD_REQUEST, "Your key is too long"),
  MALFORMED_XML(
      "MalformedXML",
      StatusCodes.BAD_REQUEST,
      "The XML you provided was not well-formed or did not validate against our published schema."),
  METHOD_NOT_ALLOWED(
      "MethodNotAllowed",
      StatusCodes.METHOD_NOT_ALLOWED,
      "The specified method is not allowed against this resource."),
  MISSING_CONTENT_LENGTH(
      "MissingContentLength",
      StatusCodes.LENGTH_REQUIRED,
      "You must provide the Content-Length HTTP header."),
  MISSING_SECURITY_HEADER(
      "MissingSecurityHeader",
      StatusCodes.BAD_REQUEST,
      "Your request was missing a required header."),
  NO_SUCH_BUCKET("NoSuchBucket", StatusCodes.NOT_FOUND, "The specified bucket does not exist"),
  NO_SUCH_KEY("NoSuchKey", StatusCodes.NOT_FOUND, "The specified key does not exist."),
  NO_SUCH_UPLOAD("NoSuchUpload", StatusCodes.NOT_FOUND, "The specified upload does not exist."),
  NO_SUCH_VERSION("NoSuchVersion", StatusCodes.NOT_FOUND, "The specified version does not exist."),
  NO_SUCH_LIFECYCLE_CONFIGURATION(
      "NoSuchLifecycleConfiguration",
      StatusCodes.NOT_FOUND,
      "The lifecycle configuration does not exist."),
  USER_KEY_MUST_BE_SPECIFIED(
      "UserKeyMustBeSpecified",
      StatusCodes.BAD_REQUEST,
      "The bucket POST must contain the specified field name. If it is specified, please check the"
          + " order of the fields."),
  NOT_IMPLEMENTED(
      "NotImplemented",
      StatusCodes.NOT_IMPLEMENTED,
      "A header or query you provided implies functionality that is not implemented."),
  PRECONDITION_FAILED(
      "PreconditionFailed",
      StatusCodes.PRECONDITION_FAILED,
      "At least one of the preconditions you specified did not hold."),
  REQUEST_TIME_TOO_SKEWED(
      "RequestTimeTooSkewed",
      StatusCodes.FORBIDDEN,
      "The difference between the request time and the server's time is too large."),
  SERVICE_UNAVAILABLE(
      "ServiceUnavailable", StatusCodes.SERVICE_UNAVAILABLE, "Please reduce your request rate."),
  SIGNATURE_DOES_NOT_MATCH(
      "SignatureDoesNotMatch",
      StatusCodes.FORBIDDEN,
      "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
  AUTHORIZATION_HEADER_MALFORMED(
      "AuthorizationHeaderMalformed",
      StatusCodes.BAD_REQUEST,
      "The authorization header you provided is invalid."),
  AUTHORIZATION_QUERY_PARAMETERS_ERROR(
      "AuthorizationQueryParametersError",
      StatusCodes.BAD_REQUEST,
      "Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."),
  CONTENT_SHA256_MISMATCH(
      "XAmzContentSHA256Mismatch",
      StatusCodes.BAD_REQUEST,
      "The provided 'x-amz-content-sha256' header does not match what was computed.");

  private final String code;
  private final StatusCode status;
  private final String message;

  S3ErrorCode(String code, StatusCode status, String message) {
    this.code = code;
    this.status = status;
    this.message = message;
  }

  public String code() {
    return code;
  }

  public StatusCode status() {
    return status;
  }

  public String message() {
    return message;
  }
}
