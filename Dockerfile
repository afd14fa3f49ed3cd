# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript and the web console, then drop the development dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY ui ./ui
COPY migrations ./migrations
RUN npm ci && npm prune --omit=dev

# Runtime stage: production dependencies, the compiled code (dist/ui is the console) and the migrations, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PIGEON_DATA_DIR=/var/lib/pigeon
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/migrations ./migrations
RUN ln -s /app/bin/pigeon.js /usr/local/bin/pigeon \
 && mkdir -p /var/lib/pigeon && chown node:node /var/lib/pigeon
USER node
EXPOSE 3000
ENTRYPOINT ["pigeon"]
CMD ["serve"]
