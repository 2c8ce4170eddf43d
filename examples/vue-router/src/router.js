import { createRouter, createWebHistory } from "vue-router";
import { createLoginGuard } from "feishu-login/browser/vue";
import Home from "./Home.vue";
import Profile from "./Profile.vue";

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    // Public: the redirect URL points here, and logging out lands here.
    { path: "/", component: Home },
    // Needs a login: the guard starts one (coming back here) when signed out.
    { path: "/profile", component: Profile, meta: { requiresLogin: true } },
  ],
});

// Also holds the first navigation while a callback in the URL is exchanged, then goes to the
// login's returnTo: no onRedirectCallback needed, and "/" never renders on the way.
router.beforeEach(createLoginGuard());
