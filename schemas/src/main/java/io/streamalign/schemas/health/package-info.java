/**
 * What a consuming service's {@code /health} answers: the decision ({@link
 * io.streamalign.schemas.health.HealthCheck}) and the lag the broker reports ({@link
 * io.streamalign.schemas.health.BrokerLag}).
 */
package io.streamalign.schemas.health;
