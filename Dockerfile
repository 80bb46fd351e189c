# One image for both apps: `docker run sensors publisher --count 10`, `docker run sensors consumer`.
# Built by `docker compose build` (see docker-compose.yml); the stages keep the toolchain
# (Nx, TypeScript, esbuild) out of the final image, which holds the two bundles and the
# production dependencies of package-lock.json only.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NX_DAEMON=false NX_NO_CLOUD=true
RUN npx nx run-many -t build -p publisher consumer --output-style=static

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist/apps/publisher ./publisher
COPY --from=build /src/dist/apps/consumer ./consumer
COPY tools/image/sensors.sh /usr/local/bin/sensors
USER node
EXPOSE 9464 9465 8080
ENTRYPOINT ["sensors"]
CMD ["--help"]
