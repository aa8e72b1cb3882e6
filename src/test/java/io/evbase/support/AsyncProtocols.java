package io.evbase.support;

import io.evbase.protocol.ProtocolHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Test protocols for the application in a child JVM, added with {@code --spring.main.sources=} this class (outside
 * the application's component scan, so no other test sees it): {@code protocol: async} is {@link AsyncLinesHandler}.
 */
@Configuration(proxyBeanMethods = false)
public class AsyncProtocols {

    @Bean(name = "async")
    ProtocolHandler<?> async() {
        return new AsyncLinesHandler();
    }
}
