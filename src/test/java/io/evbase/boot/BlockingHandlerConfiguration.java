package io.evbase.boot;

import io.evbase.protocol.ProtocolHandler;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link BlockingHandler} as the {@code blocking} protocol. Imported by the tests that need it; not a
 * {@code @Configuration}, so that no component scan picks it up.
 */
class BlockingHandlerConfiguration {

    @Bean(name = "blocking")
    ProtocolHandler<?> blocking() {
        return new BlockingHandler();
    }
}
