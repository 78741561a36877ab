package io.archipelago.engine.store;

/** A gateway container as a backend stores it: the account and container names of the gateway. */
public record BackendContainer(String account, String container) {
  @Override
  public String toString() {
    return account + "/" + container;
  }
}
