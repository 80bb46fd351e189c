/**
 * The statuses the HTTP source answers, each counted in `sensors_http_requests_total{status}`
 * from 0. Apart from the source, so that the metrics of the other sources do not load fastify.
 */
export const HTTP_SOURCE_STATUSES = ['202', '400', '401', '404', '408', '413', '415', '500', '503'] as const;
