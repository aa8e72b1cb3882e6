/**
 * The protocol handler SPI ({@link io.evbase.protocol.ProtocolHandler}) and framing helpers; one sub-package per
 * protocol. Parsers are explicit state machines over the input chain, testable without sockets. No Spring here.
 */
package io.evbase.protocol;
