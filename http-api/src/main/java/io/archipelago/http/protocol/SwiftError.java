package io.archipelago.http.protocol;

import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;

/** Swift's error answers: status code and the short body Swift sends with it. */
public enum SwiftError {
  ACCEPTED(
      StatusCodes.ACCEPTED,
      "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>"),
  BAD_REQUEST(StatusCodes.BAD_REQUEST, "Bad Request"),
  UNAUTHORIZED(
      StatusCodes.UNAUTHORIZED,
      "<html><h1>Unauthorized</h1><p>This server could not verify that you are authorized to access the document you requested.</p></html>"),
  FORBIDDEN(
      StatusCodes.FORBIDDEN,
      "<html><h1>Forbidden</h1><p>Access was denied to this resource.</p></html>"),
  NOT_FOUND(
      StatusCodes.NOT_FOUND,
      "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>"),
  METHOD_NOT_ALLOWED(
      StatusCodes.METHOD_NOT_ALLOWED,
      "<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>"),
  NOT_ACCEPTABLE(
      StatusCodes.NOT_ACCEPTABLE,
      "<html><h1>Not Acceptable</h1><p>The resource is not available in a format acceptable to your browser.</p></html>"),
  CONFLICT(
      StatusCodes.CONFLICT,
      "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>"),
  LENGTH_REQUIRED(
      StatusCodes.LENGTH_REQUIRED, "<html><h1>Length Required</h1><p>Length Required</p></html>"),
  PRECONDITION_FAILED(
      StatusCodes.PRECONDITION_FAILED,
      "<html><h1>Precondition Failed</h1><p>A precondition for this request was not met.</p></html>"),
  REQUEST_ENTITY_TOO_LARGE(
      StatusCodes.PAYLOAD_TOO_LARGE,
      "<html><h1>Request Entity Too Large</h1><p>The body of your request was too large for this server.</p></html>"),
  RANGE_NOT_SATISFIABLE(
      StatusCodes.RANGE_NOT_SATISFIABLE,
      "<html><h1>Requested Range Not Satisfiable</h1><p>The Range requested is not available.</p></html>"),
  UNPROCESSABLE_ENTITY(
      StatusCodes.UNPROCESSABLE_ENTITY,
      "<html><h1>Unprocessable Entity</h1><p>Unable to process the contained instructions</p></html>"),
  // not a success, and it has a body (the client rarely reads it: it is usually gone)
  CLIENT_DISCONNECT(
      StatusCodes.custom(499, "Client Disconnect", "The client broke off the upload", false, true),
      "<html><h1>Client Disconnect</h1><p>The client was disconnected during request.</p></html>"),
  INTERNAL_ERROR(
      StatusCodes.INTERNAL_SERVER_ERROR,
      "<html><h1>Internal Error</h1><p>The server has either erred or is incapable of performing the requested operation.</p></html>"),
  NOT_IMPLEMENTED(
      StatusCodes.NOT_IMPLEMENTED,
      "<html><h1>Not Implemented</h1><p>The server does not implement this request.</p></html>"),
  SERVICE_UNAVAILABLE(
      StatusCodes.SERVICE_UNAVAILABLE,
      "<html><h1>Service Unavailable</h1><p>The server is currently unavailable. Please try again at a later time.</p></html>");

  private final StatusCode status;
  private final String body;

  SwiftError(StatusCode status, String body) {
    this.status = status;
    this.body = body;
  }

  public StatusCode status() {
    return status;
  }

  public String body() {
    return body;
  }
}
