package io.evbase.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.evbase.net.Server;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * The library in someone else's application: a Spring Boot application with its own {@code application.properties}
 * at the root of its class path, next to the evbase classes, read from Spring Boot's default class path locations.
 * It keeps its own port and gets no listener, exposure, health details or name from evbase: the library carries
 * no application configuration (a library {@code application.yml} at the class path root would be read here).
 */
class LibraryUserTest {

    /**
     * The user's application class. A plain {@code @Configuration}, not a {@code @SpringBootConfiguration}: the
     * {@code @SpringBootTest}s of this package look for one and must find {@code EvbaseTestApplication}, not this.
     */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class UserApplication {
    }

    @Test
    void keepsItsOwnConfigurationAndOpensNothingItDidNotConfigure() throws Exception {
        URL userRoot = LibraryUserTest.class.getResource("/library-user/");
        try (URLClassLoader classPath = new URLClassLoader(new URL[] {userRoot}, getClass().getClassLoader())) {
            SpringApplication app = new SpringApplication(new DefaultResourceLoader(classPath), UserApplication.class);
            app.setBannerMode(org.springframework.boot.Banner.Mode.OFF);
            // Spring Boot's default class path locations (surefire points the tests elsewhere).
            try (ConfigurableApplicationContext context = app.run(
                    "--spring.config.location=optional:classpath:/,optional:classpath:/config/")) {
                Environment env = context.getEnvironment();
                assertThat(env.getProperty("server.port")).isEqualTo("0");
                int port = env.getRequiredProperty("local.server.port", Integer.class);
                assertThat(port).isNotEqualTo(8081);
                assertThat(env.getProperty("spring.application.name")).isNull();
                assertThat(env.getProperty("management.endpoints.web.exposure.include")).isNull();
                assertThat(env.getProperty("management.endpoint.health.show-details")).isNull();
                assertThat(env.getProperty("management.endpoint.health.probes.enabled")).isNull();
                assertThat(env.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isNull();

                Server server = context.getBean(Server.class);
                assertThat(server.listenerConfigs()).isEmpty();
                assertThat(server.listeners()).isEmpty();
                // The memcache store is made only for a listener that names it.
                assertThat(context.getBeanFactory().containsSingleton("memcache")).isFalse();

                Http http = new Http(port);
                assertThat(http.get("/actuator/health").status()).isEqualTo(200);
                assertThat(http.get("/actuator/reactor").status()).isEqualTo(404);
                assertThat(http.get("/actuator/prometheus").status()).isEqualTo(404);
            }
        }
    }
}
