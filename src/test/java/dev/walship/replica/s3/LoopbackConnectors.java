package dev.walship.replica.s3;

import org.apache.catalina.connector.Connector;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.tomcat.TomcatWebServerFactory;

/**
 * Binds every Tomcat connector of the in-process S3Mock to 127.0.0.1. {@code server.address} only covers the main
 * connector; S3Mock adds more (its plain HTTP one is a bean, others come from customizers), which would otherwise
 * listen on all interfaces. Registered through {@code spring.main.sources}.
 */
public class LoopbackConnectors implements BeanPostProcessor {
    private static final String LOOPBACK = "127.0.0.1";

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Connector c) {
            c.setProperty("address", LOOPBACK);
        }
        if (bean instanceof TomcatWebServerFactory f) {
            f.setAddress(java.net.InetAddress.getLoopbackAddress());
            f.addConnectorCustomizers(c -> c.setProperty("address", LOOPBACK));
            for (Connector c : f.getAdditionalConnectors()) {
                c.setProperty("address", LOOPBACK);
            }
        }
        return bean;
    }
}
