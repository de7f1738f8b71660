package no.fls.cds.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binstore.MemoryBinaryStorageSvcImpl;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.LoggingInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Meta;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Spring wiring for a plain HAPI FHIR JPA server (R4) on an in-memory H2 database.
 * HAPI's own configuration classes provide the DAOs, search, paging and batch
 * machinery; this class supplies what they expect from the host application.
 */
@Configuration
@EnableTransactionManagement
@Import({
  JpaR4Config.class, // FhirContext (R4), DAOs, resource providers, system DAO/provider; imports JpaConfig
  HapiJpaConfig.class, // database-backed paging provider, stale search cleanup, resource-supported svc
  JpaBatch2Config.class, // batch2 job persistence/coordinator (needed by JpaConfig beans)
  Batch2JobsConfig.class, // batch2 job definitions (reindex etc.)
  SubscriptionChannelConfig.class, // in-memory message broker used by batch2
  ThreadPoolFactoryConfig.class
})
public class HapiServerConfig {

  static final String PERSISTENCE_UNIT = "HAPI_LAUNCHER_PU";

  @Bean
  public JpaStorageSettings jpaStorageSettings() {
    JpaStorageSettings s = new JpaStorageSettings();
    // Integration tests write and immediately search: never serve a cached search result.
    s.setReuseCachedSearchResultsForMillis(null);
    // Client-assigned ids like "pat-1" (all-digit ids stay refused, as on a stock HAPI server).
    s.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ALPHANUMERIC);
    s.setAllowExternalReferences(true);
    // Keep paged search results around long enough for slow test runs.
    s.setExpireSearchResultsAfterMillis(60L * 60L * 1000L);
    // Bulk Data $export (the worklist's path for large populations, docs/worklist.md "Scale"):
    // a fresh export every time (a reused job would miss data loaded since).
    s.setEnableTaskBulkExportJobExecution(true);
    s.setEnableBulkExportJobReuse(false);
    // Batch2 moves a job to its next step on a one-minute maintenance pass; fast tracking
    // lets a job with one chunk per step go on at once (an export here: minutes → seconds).
    s.setJobFastTrackingEnabled(true);
    return s;
  }

  @Bean
  public PartitionSettings partitionSettings() {
    return new PartitionSettings();
  }

  @Bean
  public SubscriptionSettings subscriptionSettings() {
    return new SubscriptionSettings();
  }

  @Bean
  public IBinaryStorageSvc binaryStorageSvc() {
    return new MemoryBinaryStorageSvcImpl();
  }

  /**
   * HAPI_JDBC_URL (with HAPI_JDBC_USER / HAPI_JDBC_PASSWORD) puts the server on a
   * PostgreSQL database, HAPI's production choice — for the worklist's scale benchmark
   * (H2 answers a search with a long code list by scanning the token index). Unset: a
   * fresh, private in-memory H2 database per JVM, kept alive while the pool is open.
   */
  static final String JDBC_URL = System.getenv("HAPI_JDBC_URL");

  static boolean onPostgres() {
    return JDBC_URL != null && JDBC_URL.startsWith("jdbc:postgresql:");
  }

  @Bean(destroyMethod = "close")
  public BasicDataSource dataSource() {
    BasicDataSource ds = new BasicDataSource();
    if (onPostgres()) {
      ds.setDriver(new org.postgresql.Driver());
      ds.setUrl(JDBC_URL);
      ds.setUsername(System.getenv().getOrDefault("HAPI_JDBC_USER", "postgres"));
      ds.setPassword(System.getenv().getOrDefault("HAPI_JDBC_PASSWORD", ""));
    } else {
      ds.setDriver(new org.h2.Driver());
      ds.setUrl("jdbc:h2:mem:hapi;DB_CLOSE_DELAY=-1");
      ds.setUsername("sa");
      ds.setPassword("");
    }
    ds.setMaxTotal(20);
    return ds;
  }

  @Bean
  @Primary
  public LocalContainerEntityManagerFactoryBean entityManagerFactory(
      ConfigurableListableBeanFactory beanFactory,
      FhirContext fhirContext,
      JpaStorageSettings storageSettings,
      DataSource dataSource) {
    LocalContainerEntityManagerFactoryBean emf =
        HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
    emf.setPersistenceUnitName(PERSISTENCE_UNIT);
    emf.setDataSource(dataSource);
    Properties p = new Properties();
    p.put(
        "hibernate.dialect",
        onPostgres() ? HapiFhirPostgresDialect.class.getName() : HapiFhirH2Dialect.class.getName());
    p.put("hibernate.hbm2ddl.auto", "update");
    p.put("hibernate.format_sql", "false");
    p.put("hibernate.show_sql", "false");
    p.put("hibernate.jdbc.batch_size", "20");
    p.put("hibernate.cache.use_query_cache", "false");
    p.put("hibernate.cache.use_second_level_cache", "false");
    p.put("hibernate.cache.use_minimal_puts", "false");
    // No Lucene/Elasticsearch: plain SQL search only.
    p.put("hibernate.search.enabled", "false");
    emf.setJpaProperties(p);
    return emf;
  }

  @Bean
  @Primary
  public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
    JpaTransactionManager tm = new JpaTransactionManager();
    tm.setEntityManagerFactory(entityManagerFactory);
    return tm;
  }

  @Bean
  public RestfulServer restfulServer(
      FhirContext fhirContext,
      ResourceProviderFactory resourceProvidersR4,
      JpaSystemProvider<Bundle, Meta> systemProvider,
      IFhirSystemDao<Bundle, Meta> systemDao,
      JpaStorageSettings storageSettings,
      ISearchParamRegistry searchParamRegistry,
      IValidationSupport validationSupport,
      DatabaseBackedPagingProvider pagingProvider,
      BulkDataExportProvider bulkDataExportProvider) {
    RestfulServer server = new RestfulServer(fhirContext);
    server.registerProviders(resourceProvidersR4.createProviders());
    server.registerProvider(systemProvider);
    // $export at system, Group and Patient level (kick-off, status polling, NDJSON as Binary).
    server.registerProvider(bulkDataExportProvider);
    JpaCapabilityStatementProvider capabilities =
        new JpaCapabilityStatementProvider(
            server, systemDao, storageSettings, searchParamRegistry, validationSupport);
    capabilities.setImplementationDescription("HAPI FHIR JPA server (integration-test launcher)");
    server.setServerConformanceProvider(capabilities);
    // Search results are paged through the database, so "next" links work.
    server.setPagingProvider(pagingProvider);
    server.setDefaultResponseEncoding(EncodingEnum.JSON);
    server.setDefaultPrettyPrint(false);

    LoggingInterceptor requestLog = new LoggingInterceptor();
    requestLog.setLoggerName("fhir.request");
    requestLog.setMessageFormat(
        "${requestVerb} ${requestUrl}${requestParameters} -> ${operationType} ${processingTimeMillis}ms");
    requestLog.setErrorMessageFormat("ERROR ${requestVerb} ${requestUrl}${requestParameters} - ${exceptionMessage}");
    requestLog.setLogExceptions(true);
    server.registerInterceptor(requestLog);
    return server;
  }
}
