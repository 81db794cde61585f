package dev.walship.replica.gcs;

import com.google.api.client.http.HttpExecuteInterceptor;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.cloud.ServiceOptions;
import com.google.cloud.http.HttpTransportOptions;

/**
 * The client library's HTTP transport options plus one interceptor that feeds {@link GcsRequestCounters}.
 * The interceptor runs before every attempt, so retried requests are counted each time they are sent.
 */
final class CountingTransportOptions extends HttpTransportOptions {
    private final transient GcsRequestCounters counters;

    CountingTransportOptions(HttpTransportOptions.Builder builder, GcsRequestCounters counters) {
        super(builder);
        this.counters = counters;
    }

    @Override
    public HttpRequestInitializer getHttpRequestInitializer(ServiceOptions<?, ?> serviceOptions) {
        HttpRequestInitializer base = super.getHttpRequestInitializer(serviceOptions);
        return request -> {
            if (base != null) base.initialize(request);
            HttpExecuteInterceptor previous = request.getInterceptor();
            request.setInterceptor(r -> {
                if (previous != null) previous.intercept(r); // credentials live here
                counters.count(r.getRequestMethod(), r.getUrl().getRawPath());
            });
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CountingTransportOptions c && c.counters == counters && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + System.identityHashCode(counters);
    }
}
