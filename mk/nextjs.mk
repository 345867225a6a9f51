# The Next.js examples (examples/nextjs: proxy.ts on the Node.js runtime; examples/nextjs-edge:
# middleware.ts on the Edge runtime), both installing the built package from ../../pkg.
# test-nextjs: `next build` (Turbopack and webpack; JWTGATE_NEXT_BUNDLERS=turbopack to
# skip webpack) + `next start` on 127.0.0.1 in front of real origins, curl-like requests
# and headless Chromium (tests/e2e/nextjs/).
NEXTJS_APPS := examples/nextjs examples/nextjs-edge

.PHONY: nextjs-install test-nextjs

nextjs-install: pkg ## npm ci in the Next.js examples (again only when a lockfile changed)
	@for d in $(NEXTJS_APPS); do \
	  if ! cmp -s "$$d/package-lock.json" "$$d/node_modules/.jwtgate-ci-lock"; then \
	    echo "== npm ci in $$d"; \
	    (cd "$$d" && npm ci --no-audit --no-fund --loglevel=error) && cp "$$d/package-lock.json" "$$d/node_modules/.jwtgate-ci-lock"; \
	  fi; \
	done

test-nextjs: nextjs-install ## Next.js examples end to end: both runtimes, both bundlers, real origins, headless Chromium
	@NEXT_TELEMETRY_DISABLED=1 node --test --test-concurrency=1 tests/e2e/nextjs/

TEST_TARGETS += test-nextjs
