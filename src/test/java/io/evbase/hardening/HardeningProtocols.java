package io.evbase.hardening;

import io.evbase.protocol.ProtocolHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Test protocols for the application in a child JVM, added with {@code --spring.main.sources=} this class (it is
 * outside the application's component scan, so no other test sees it).
 */
@Configuration(proxyBeanMethods = false)
public class HardeningProtocols {

    /** {@code protocol: lines}: see {@link RequestReplyHandler}. */
    @Bean(name = "lines")
    ProtocolHandler<?> lines() {
        return new RequestReplyHandler();
    }
}
