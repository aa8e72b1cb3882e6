/** The echo protocol, the first and simplest handler. */
package io.evbase.protocol.echo;
