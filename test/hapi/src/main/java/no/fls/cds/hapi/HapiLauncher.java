package no.fls.cds.hapi;

import ca.uhn.fhir.rest.server.RestfulServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Starts HAPI FHIR JPA (R4, in-memory H2) under Jetty at http://127.0.0.1:PORT/fhir.
 *
 * <p>Port: first argument, else env HAPI_PORT; 0 or absent picks a free port. Logs go to
 * stderr; stdout gets exactly one line, "HAPI FHIR ready at http://127.0.0.1:PORT/fhir", once
 * the server answers requests.
 */
public final class HapiLauncher {

  private static final Logger LOG = LoggerFactory.getLogger(HapiLauncher.class);

  private HapiLauncher() {}

  public static void main(String[] args) {
    int port = parsePort(args.length > 0 ? args[0] : System.getenv("HAPI_PORT"));
    try {
      run(port);
    } catch (Throwable e) {
      // Scheduler / pool threads are not daemons: exit explicitly so a failed start never lingers.
      LOG.error("HAPI FHIR launcher failed to start", e);
      System.exit(1);
    }
  }

  private static void run(int port) throws Exception {
    long t0 = System.nanoTime();
    if (port != 0) {
      // Fail fast on a busy port instead of after half a minute of Spring start-up.
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(new InetSocketAddress("127.0.0.1", port));
      } catch (IOException e) {
        throw new IOException("Port " + port + " on 127.0.0.1 is not available: " + e.getMessage(), e);
      }
    }

    AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext();
    spring.register(HapiServerConfig.class);
    spring.registerShutdownHook();
    spring.refresh();
    RestfulServer restfulServer = spring.getBean(RestfulServer.class);

    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    jetty.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ServletHolder holder = new ServletHolder("fhir", restfulServer);
    holder.setInitOrder(1); // initialise the FHIR servlet during start(), not on the first request
    context.addServlet(holder, "/fhir/*");
    context.addFilter(new FilterHolder(new CorsFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
    jetty.setHandler(context);
    jetty.setStopAtShutdown(true);
    jetty.start();

    String url = "http://127.0.0.1:" + connector.getLocalPort() + "/fhir";
    warmUp(url);
    LOG.info("Started in {} ms", (System.nanoTime() - t0) / 1_000_000L);
    System.out.println("HAPI FHIR ready at " + url);
    System.out.flush();

    Runtime.getRuntime().addShutdownHook(new Thread(() -> LOG.info("Shutting down"), "hapi-shutdown-log"));
    jetty.join();
  }

  /**
   * The first CapabilityStatement is built lazily and takes seconds; do it before announcing
   * readiness so the first client request is not the slow one.
   */
  private static void warmUp(String url) {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url + "/metadata"))
              .header("Accept", "application/fhir+json")
              .timeout(Duration.ofSeconds(120))
              .GET()
              .build();
      HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
      LOG.info("Warm-up GET /fhir/metadata -> {}", response.statusCode());
    } catch (Exception e) {
      LOG.warn("Warm-up GET /fhir/metadata failed: {}", e.toString());
    }
  }

  private static int parsePort(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    try {
      int p = Integer.parseInt(value.trim());
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      System.err.println("Invalid port: " + value);
      System.exit(2);
      return -1;
    }
  }
}
