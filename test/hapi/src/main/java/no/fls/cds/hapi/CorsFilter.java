package no.fls.cds.hapi;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * CORS for browser CDS clients (the CDS Hooks sandbox reads the FHIR server from the page).
 * This launcher is a local development and test server bound to 127.0.0.1 with no credentials,
 * so any origin may read it; a preflight is answered here, before HAPI sees it.
 */
public final class CorsFilter implements Filter {

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest http = (HttpServletRequest) request;
    HttpServletResponse out = (HttpServletResponse) response;
    if (http.getHeader("Origin") != null) {
      out.setHeader("Access-Control-Allow-Origin", "*");
      out.setHeader(
          "Access-Control-Expose-Headers", "Location, Content-Location, ETag, Last-Modified");
    }
    boolean preflight =
        "OPTIONS".equals(http.getMethod())
            && http.getHeader("Access-Control-Request-Method") != null;
    if (!preflight) {
      chain.doFilter(request, response);
      return;
    }
    out.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    out.setHeader(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Exist, X-Request-Id");
    out.setHeader("Access-Control-Max-Age", "600");
    // Chrome asks a public page's right to reach a local server (Private Network Access).
    if ("true".equals(http.getHeader("Access-Control-Request-Private-Network"))) {
      out.setHeader("Access-Control-Allow-Private-Network", "true");
    }
    out.setStatus(HttpServletResponse.SC_NO_CONTENT);
  }
}
