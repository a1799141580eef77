"""GLSL sources. One vertex shader serves every surface; fragment shaders are assembled from a
shared lighting core plus either a procedural texture (opaque), the glass or the water model.
A style's switches (grade, cel bands, painted sky) and a backdrop plate are compile-time
defines; the style's full-frame passes (bars, depth of field, ink, grain, weave) are
``DOF_BLUR`` and ``SCREEN``."""

from __future__ import annotations

import math

from tenku.render.textures import HELPERS, texture_code

MAX_OCCLUDERS = 16

VERTEX = r"""
#version 330
uniform mat4 u_model;
uniform mat4 u_vp;
uniform mat4 u_light;
uniform float u_normal_offset;
in vec3 in_pos; in vec3 in_nrm; in vec3 in_tp; in vec3 in_tn; in vec3 in_col; in vec3 in_mat;
out vec3 v_wp; out vec3 v_n; out vec3 v_tp; out vec3 v_tn; out vec3 v_col; out vec3 v_mat;
out vec3 v_sc;
void main() {
    vec4 wp = u_model * vec4(in_pos, 1.0);
    vec3 n = mat3(u_model) * in_nrm;
    v_wp = wp.xyz; v_n = n; v_tp = in_tp; v_tn = in_tn; v_col = in_col; v_mat = in_mat;
    v_sc = (u_light * vec4(wp.xyz + n * u_normal_offset, 1.0)).xyz;
    gl_Position = u_vp * wp;
}
"""

SHADOW_VERTEX = r"""
#version 330
uniform mat4 u_model;
uniform mat4 u_light_clip;
in vec3 in_pos;
void main() { gl_Position = u_light_clip * (u_model * vec4(in_pos, 1.0)); }
"""

SHADOW_FRAGMENT = r"""
#version 330
void main() {}
"""

# Lighting shared by every surface shader: sky, sun, shadows, occlusion, fog, tone mapping.
CORE = r"""
uniform vec3 u_eye;
uniform vec3 u_sun_dir;      // unit vector toward the sun
uniform vec3 u_sun_col;      // linear colour x strength
uniform vec3 u_sky_top; uniform vec3 u_sky_hor; uniform vec3 u_sky_gnd;  // linear
uniform float u_ambient;
uniform float u_indoor;
uniform sampler2DShadow u_shadow;
uniform float u_shadow_radius;  // PCF radius in shadow-map uv
uniform vec4 u_occ[MAX_OCC];  // MAX_OCC = max(N_OCC, 1)
uniform int u_nocc;
uniform vec4 u_water_box;    // lo.xy, hi.xy
uniform vec4 u_water;        // level, floor, has water, wave scale
uniform vec3 u_water_col;
uniform float u_fog;
uniform float u_time;
uniform vec2 u_res;          // the frame's size, for the lens vignette

const float PI = 3.14159265;

vec3 sky(vec3 d) {
    float z = d.z;
    return z >= 0.0 ? mix(u_sky_hor, u_sky_top, sqrt(z))
                    : mix(u_sky_hor, u_sky_gnd, sqrt(min(-z * 3.0, 1.0)));
}
vec3 irradiance(vec3 n) {   // cosine-weighted sky, cheap: blend of zenith, horizon and ground
    float t = n.z;
    vec3 a = mix(u_sky_hor, u_sky_top, 0.6);
    vec3 g = mix(u_sky_gnd, u_sky_hor, 0.3);
    return t >= 0.0 ? mix(mix(u_sky_hor, g, 0.35), a, t) : mix(mix(u_sky_hor, g, 0.35), g, -t);
}
float shadow_at(vec3 sc) {
    if (sc.x <= 0.0 || sc.x >= 1.0 || sc.y <= 0.0 || sc.y >= 1.0 || sc.z >= 1.0) return 1.0;
#if PCF_TAPS <= 1
    return texture(u_shadow, sc);
#else
#if PCF_TAPS == 2
    const vec2 pk[2] = vec2[2](vec2(-0.45, -0.3), vec2(0.45, 0.3));
#elif PCF_TAPS <= 4
    const vec2 pk[4] = vec2[4](vec2(-0.3, -0.8), vec2(0.8, -0.3), vec2(0.3, 0.8), vec2(-0.8, 0.3));
#else
    const vec2 pk[12] = vec2[12](vec2(-0.326, -0.406), vec2(-0.840, -0.074), vec2(-0.696, 0.457),
        vec2(-0.203, 0.621), vec2(0.962, -0.195), vec2(0.473, -0.480), vec2(0.519, 0.767),
        vec2(0.185, -0.893), vec2(0.507, 0.064), vec2(0.896, 0.412), vec2(-0.322, -0.933),
        vec2(-0.792, -0.598));
#endif
    float s = 0.0;
    for (int i = 0; i < PCF_TAPS; i++)
        s += texture(u_shadow, vec3(sc.xy + pk[i] * u_shadow_radius, sc.z));
    return s / float(PCF_TAPS);
#endif
}
float occlusion(vec3 p, vec3 n) {
    float ao = 1.0;
    for (int i = 0; i < N_OCC; i++) {
        vec3 d = u_occ[i].xyz - p;
        float l2 = dot(d, d);
        float r = u_occ[i].w;
        float l = sqrt(l2);
        float c = dot(n, d) / l;
        ao *= 1.0 - clamp(c, 0.0, 1.0) * clamp(r * r / l2, 0.0, 1.0);
    }
    return ao;
}
bool under_water(vec3 p) {
#ifdef HAS_WATER
    return p.z < u_water.x && all(greaterThan(p.xy, u_water_box.xy))
        && all(lessThan(p.xy, u_water_box.zw));
#else
    return false;
#endif
}
vec3 aces(vec3 x) {
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
}
vec3 grade(vec3 c) {      // display-linear colour -> the style's grade (values are constants)
#if STYLE_GRADE
    float l = dot(c, vec3(0.2126, 0.7152, 0.0722));
    c = mix(vec3(l), c, STYLE_SATURATION) * STYLE_TINT;
    c *= mix(STYLE_SHADOW_TINT, STYLE_HIGHLIGHT_TINT, smoothstep(0.02, 0.5, l));
    vec3 e = (sqrt(c) - 0.5) * STYLE_CONTRAST + 0.5;  // contrast about a perceptual mid-grey
    c = clamp(e, 0.0, 1.0) * clamp(e, 0.0, 1.0);
    c = STYLE_LIFT + (1.0 - STYLE_FADE - STYLE_LIFT) * c;
#endif
#if STYLE_LENS_VIGNETTE
    vec2 q = gl_FragCoord.xy / u_res - 0.5;
    c *= 1.0 - STYLE_VIGNETTE * dot(q, q) * 1.6;
#endif
    return c;
}
vec3 encode(vec3 c) { return 1.138 * sqrt(c) - 0.138 * c; }  // ~ c^(1/2.2), cheaper than pow
vec3 finish(vec3 lin) {    // linear radiance -> graded display sRGB
    return encode(grade(aces(lin * STYLE_EXPOSURE)));
}
#ifdef HAS_PLATE
uniform sampler2D u_plate;
// The backdrop plate's pixel here, lit by `light` (1 = as photographed) and graded like the
// scene: decoding with encode()'s exact inverse shows an unlit, ungraded plate as it is.
vec3 plate(vec3 light) {
    vec3 y = texelFetch(u_plate, ivec2(gl_FragCoord.xy), 0).rgb;
    vec3 s = (1.138 - sqrt(1.295044 - 0.552 * y)) / 0.276;
    return encode(grade(s * s * light));
}
#endif
#if STYLE_CEL
// A light level in [0, 1] -> STYLE_CEL + 1 flat tones, the steps between them anti-aliased.
float cel(float x) {
    float b = x * float(STYLE_CEL);
    float w = max(fwidth(b), 1e-3);
    return (floor(b) + smoothstep(0.5 - w, 0.5 + w, fract(b))) / float(STYLE_CEL);
}
#endif
vec3 apply_fog(vec3 c, vec3 p) {
#ifdef HAS_FOG
    float f = 1.0 - exp(-length(p - u_eye) * u_fog);
    return mix(c, u_sky_hor, f);
#else
    return c;
#endif
}
// GGX specular for the sun, returns the BRDF times NoL.
vec3 sun_specular(vec3 n, vec3 v, vec3 l, float rough, vec3 f0) {
    vec3 h = normalize(v + l);
    float nol = max(dot(n, l), 0.0), noh = max(dot(n, h), 0.0), nov = max(dot(n, v), 1e-4);
    float a = max(rough * rough, 0.002); float a2 = a * a;
    float dd = noh * noh * (a2 - 1.0) + 1.0;
    float D = a2 / (PI * dd * dd);
    float k = a * 0.5;
    float vis = 0.25 / ((nol * (1.0 - k) + k) * (nov * (1.0 - k) + k));
    vec3 F = f0 + (1.0 - f0) * pow(1.0 - max(dot(v, h), 0.0), 5.0);
    return D * vis * F * nol;
}
vec2 env_brdf(float rough, float nov) {  // Karis' analytic fit of the split-sum table
    const vec4 c0 = vec4(-1.0, -0.0275, -0.572, 0.022);
    const vec4 c1 = vec4(1.0, 0.0425, 1.04, -0.04);
    vec4 r = rough * c0 + c1;
    float a004 = min(r.x * r.x, exp2(-9.28 * nov)) * r.x + r.y;
    return vec2(-1.04, 1.04) * a004 + r.zw;
}
vec3 sky_reflection(vec3 r, float rough) {
    vec3 blur = irradiance(r);
    return mix(sky(r), blur, clamp(rough * 1.6, 0.0, 1.0));
}
"""

FRAG_HEAD = r"""
#version 330
in vec3 v_wp; in vec3 v_n; in vec3 v_tp; in vec3 v_tn; in vec3 v_col; in vec3 v_mat; in vec3 v_sc;
out vec4 f_color;
"""

OPAQUE_MAIN = r"""
struct Surface { vec3 p; vec3 pn; vec3 albedo; float rough; float metal; float alpha; };
void texture_surface(inout Surface s) {
TEXTURE_CODE
}
void main() {
    Surface s = Surface(v_tp, v_tn, v_col, v_mat.x, v_mat.y, 1.0);
    texture_surface(s);
#ifdef ALPHA_TEST
    if (s.alpha < 0.5) discard;
#endif
    vec3 n = normalize(v_n);
    if (!gl_FrontFacing) n = -n;
    vec3 v = normalize(u_eye - v_wp);
    float nov = max(dot(n, v), 1e-4);
    vec3 f0 = mix(vec3(0.04), s.albedo, s.metal);
    vec3 diff = s.albedo * (1.0 - s.metal);
    float nol = dot(n, u_sun_dir);
    float sh = nol > 0.0 ? shadow_at(v_sc) : 0.0;
#if STYLE_CEL
    // Cel shading: the sun's light in flat bands, one hard highlight, flatter sky light.
    vec3 sp = sun_specular(n, v, u_sun_dir, s.rough, f0);
    float hl = smoothstep(0.45, 0.55, max(sp.r, max(sp.g, sp.b))) * (1.0 - s.rough);
    vec3 c = (diff * (1.0 / PI) * cel(max(nol, 0.0) * sh) + vec3(hl * 0.35 * sh)) * u_sun_col;
    vec3 amb = mix(irradiance(n), irradiance(vec3(0.0, 0.0, 1.0)), 0.6);
#else
    vec3 c = (diff * (1.0 / PI) * max(nol, 0.0) + sun_specular(n, v, u_sun_dir, s.rough, f0))
             * u_sun_col * sh;
    vec3 amb = irradiance(n);
#endif
    float ao = occlusion(v_wp, n);
    vec2 ab = env_brdf(s.rough, nov);
    vec3 spec_amb = sky_reflection(reflect(-v, n), s.rough) * (f0 * ab.x + ab.y);
    c += (diff * amb + spec_amb) * u_ambient * ao;
    if (under_water(v_wp)) {
        float depth = u_water.x - v_wp.z;
        float t = exp(-depth * 2.5 / max(u_water.w, 0.15));
        c = mix(u_water_col * irradiance(vec3(0, 0, 1)) * u_ambient * 0.6, c * vec3(0.75, 0.92, 0.95), t);
    }
    c = apply_fog(c, v_wp);
    f_color = vec4(finish(c), 1.0);
}
"""

GLASS_MAIN = r"""
void main() {
    vec3 n = normalize(v_n);
    if (!gl_FrontFacing) n = -n;
    vec3 v = normalize(u_eye - v_wp);
    float nov = clamp(dot(n, v), 0.0, 1.0);
    float rough = v_mat.x, trans = v_mat.z;
    float F = 0.04 + 0.96 * pow(1.0 - nov, 5.0);
    vec3 refl = sky_reflection(reflect(-v, n), rough) * u_ambient;
    float nol = dot(n, u_sun_dir);
    float sh = nol > 0.0 ? shadow_at(v_sc) : 0.0;
    vec3 spec = sun_specular(n, v, u_sun_dir, max(rough, 0.04), vec3(0.04)) * u_sun_col * sh;
    float edge = pow(1.0 - nov, 2.0) * 0.35;
    float body = (1.0 - trans) + edge;        // how much the glass itself shows
    vec3 bodycol = v_col * (irradiance(n) * u_ambient + u_sun_col * max(nol, 0.0) * 0.15 * sh);
    vec3 c = bodycol * body * (1.0 - F) + refl * F + spec;
    float a = clamp(body * (1.0 - F) + F, 0.0, 1.0);
    // Walls seen edge-on are thick and refract the darker room behind the camera: a dark,
    // more opaque rim is what makes real glass readable against a bright backdrop.
    float rim = pow(1.0 - nov, 1.5);
    c = mix(c, v_col * 0.16 * irradiance(n), rim * 0.6) + spec;
    a = clamp(a + rim * 0.5, 0.0, 1.0);
    c = apply_fog(c, v_wp);
    // Premultiplied in display space: grade the glass's own colour, then weight it, so the
    // background shows through (1 - a).
    f_color = vec4(finish(c / max(a, 1e-3)) * a, a);
}
"""

WATER_MAIN = r"""
vec2 wave_slope(vec2 p, float s) {
    vec2 g = vec2(0.0);
    float t = u_time;
    vec3 w[4] = vec3[4](vec3(0.8, 0.6, 1.0), vec3(-0.5, 0.87, 1.7), vec3(0.2, -0.98, 2.9),
                        vec3(-0.9, -0.3, 4.3));
    for (int i = 0; i < 4; i++) {
        float k = w[i].z / s;
        float ph = dot(w[i].xy, p) * k + t * sqrt(9.81 * k) * 0.6;
        g += w[i].xy * cos(ph) * (0.06 / w[i].z);
    }
    return g;
}
void main() {
    vec3 v = normalize(u_eye - v_wp);
    bool top = v_n.z > 0.5;
    vec3 n = top ? normalize(vec3(-wave_slope(v_wp.xy, u_water.w), 1.0)) : normalize(v_n);
    if (!gl_FrontFacing) n = -n;
    float nov = clamp(dot(n, v), 0.0, 1.0);
    float F = 0.02 + 0.98 * pow(1.0 - nov, 5.0);
    vec3 refl = sky_reflection(reflect(-v, n), 0.02) * u_ambient;
    vec3 spec = sun_specular(n, v, u_sun_dir, 0.06, vec3(0.02)) * u_sun_col * shadow_at(v_sc);
    vec3 body = u_water_col * irradiance(vec3(0, 0, 1)) * u_ambient * 0.7;
    float a0 = top ? 0.35 : 0.22;
    vec3 c = body * a0 * (1.0 - F) + (refl * F + spec) * (top ? 1.0 : 0.3);
    float a = top ? a0 * (1.0 - F) + F : a0;
    c = apply_fog(c, v_wp);
    a = clamp(a, 0.0, 1.0);
    f_color = vec4(finish(c / max(a, 1e-3)) * a, a);
}
"""

SKY_VERTEX = r"""
#version 330
in vec2 in_xy;
out vec2 v_xy;
void main() { v_xy = in_xy; gl_Position = vec4(in_xy, 1.0, 1.0); }
"""

SKY_MAIN = r"""
uniform mat4 u_inv_vp;
uniform float u_stars;
uniform float u_sun_disc;
in vec2 v_xy;
out vec4 f_color;
float hash13s(vec3 p3) { p3 = fract(p3 * 0.1031); p3 += dot(p3, p3.zyx + 31.32);
                         return fract((p3.x + p3.y) * p3.z); }
#if STYLE_PAINTED_SKY
// A flat stylised sky: the zenith's colour down to a low band over the horizon, and soft
// painted clouds (outdoors) drifting with time.
vec3 painted_sky(vec3 d) {
    if (d.z < 0.0) return sky(d);
    vec3 c = mix(u_sky_hor, u_sky_top, smoothstep(0.02, 0.35, d.z));
    if (u_indoor > 0.5) return c;
    float n = fbm2(d.xy / (d.z + 0.15) * 1.4 + vec2(u_time * 0.02, 0.0));
    float cloud = smoothstep(0.57, 0.62, n) * smoothstep(0.02, 0.15, d.z);
    vec3 white = max(u_sky_hor, u_sky_top) * 1.3;
    return mix(c, mix(white * vec3(0.78, 0.82, 0.95), white, smoothstep(0.62, 0.72, n)), cloud);
}
#define SKY painted_sky
#else
#define SKY sky
#endif
void main() {
#ifdef HAS_PLATE
    f_color = vec4(plate(vec3(1.0)), 1.0);
#else
    vec4 a = u_inv_vp * vec4(v_xy, -1.0, 1.0);
    vec4 b = u_inv_vp * vec4(v_xy, 1.0, 1.0);
    vec3 d = normalize(b.xyz / b.w - a.xyz / a.w);
    vec3 c = SKY(d) * u_ambient * 1.15;
    if (u_sun_disc > 0.5) {
        float m = dot(d, u_sun_dir);
        c += u_sun_col * (smoothstep(0.9995, 0.99975, m) * 8.0 + pow(max(m, 0.0), 200.0) * 0.25);
    }
    if (u_stars > 0.5 && d.z > 0.0) {
        vec3 q = d * 300.0;
        vec3 cell = floor(q);
        float h = hash13s(cell);
        float star = step(0.985, h) * smoothstep(0.5, 0.1, length(fract(q) - 0.5));
        c += vec3(star) * (0.6 + 1.5 * hash13s(cell + 3.0));
    }
#ifdef HAS_WATER
    if (d.z < 0.0) {  // looking at a sea that reaches the horizon
        c = mix(c, u_water_col * u_ambient * 0.6, 0.6);
    }
#endif
    f_color = vec4(finish(c), 1.0);
#endif
}
"""

CATCHER_MAIN = r"""
// The floor under a backdrop plate, a shadow catcher: invisible itself, it shows the plate
// darkened in the ratio a white floor here would be by the sun's shadow and the bodies'
// occlusion, so objects sit on the picture.
void main() {
    vec3 n = vec3(0.0, 0.0, 1.0);
    float nol = max(u_sun_dir.z, 0.0);
    float sh = nol > 0.0 ? shadow_at(v_sc) : 0.0;
    vec3 sun = u_sun_col * (nol / PI);
    vec3 amb = irradiance(n) * u_ambient;
    vec3 lit = sun * sh + amb * occlusion(v_wp, n);
    f_color = vec4(plate(lit / max(sun + amb, vec3(1e-4))), 1.0);
}
"""

POST_VERTEX = r"""
#version 330
in vec2 in_xy;
out vec2 v_uv;
void main() { v_uv = in_xy * 0.5 + 0.5; gl_Position = vec4(in_xy, 0.0, 1.0); }
"""

# FXAA (after Timothy Lottes' FXAA 3.11 console variant), trimmed for llvmpipe, which runs both
# sides of every branch: 5 unfiltered fetches find the edge, 2 filtered taps along it blend.
FXAA = r"""
#version 330
uniform sampler2D u_src;
uniform vec2 u_px;
in vec2 v_uv;
out vec4 f_color;
float luma(vec3 c) { return dot(c, vec3(0.299, 0.587, 0.114)); }
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 rgbM = texelFetch(u_src, p, 0).rgb;
    float lNW = luma(texelFetch(u_src, p + ivec2(-1, 1), 0).rgb);
    float lNE = luma(texelFetch(u_src, p + ivec2(1, 1), 0).rgb);
    float lSW = luma(texelFetch(u_src, p + ivec2(-1, -1), 0).rgb);
    float lSE = luma(texelFetch(u_src, p + ivec2(1, -1), 0).rgb);
    float lM = luma(rgbM);
    float lMin = min(lM, min(min(lNW, lNE), min(lSW, lSE)));
    float lMax = max(lM, max(max(lNW, lNE), max(lSW, lSE)));
    vec2 dir = vec2(-((lNW + lNE) - (lSW + lSE)), ((lNW + lSW) - (lNE + lSE)));
    float red = max((lNW + lNE + lSW + lSE) * 0.03125, 1.0 / 128.0);
    float rcp = 1.0 / (min(abs(dir.x), abs(dir.y)) + red);
    dir = clamp(dir * rcp, vec2(-4.0), vec2(4.0)) * u_px;
    vec3 a = 0.5 * (texture(u_src, v_uv + dir * (-1.0 / 6.0)).rgb +
                    texture(u_src, v_uv + dir * (1.0 / 6.0)).rgb);
    float edge = step(max(0.05, lMax * 0.125), lMax - lMin);
    f_color = vec4(mix(rgbM, a, edge), 1.0);
}
"""


# The style's full-frame passes, after anti-aliasing, on display sRGB; the depth buffer gives
# distances. Depth of field gathers at half resolution (DOF_BLUR: a quarter of the pixels pay
# for the many taps) and SCREEN blends it in by each full-resolution pixel's own blur; SCREEN
# then moves the picture by the gate weave, softens it, inks outlines, darkens the round
# vignette, adds grain and blacks out the bars outside the picture area. Switches are defines.
SCREEN_HEAD = r"""
uniform sampler2D u_color;
uniform sampler2D u_depth;
uniform vec2 u_res;         // full resolution, pixels
uniform vec2 u_clip;        // near, far planes, metres
uniform float u_focus;      // distance in focus, metres
uniform float u_blur;       // blur radius of what lies far behind the focus, pixels
uniform float u_soft;       // least blur radius, pixels
out vec4 f_color;

float view_z(vec2 uv) {     // distance along the view axis, metres
    float d = texture(u_depth, uv).r * 2.0 - 1.0;
    return 2.0 * u_clip.x * u_clip.y / (u_clip.y + u_clip.x - d * (u_clip.y - u_clip.x));
}
float coc(float z) {        // blur radius in pixels of a thin lens focused at u_focus
    return max(min(u_blur * abs(1.0 - u_focus / z), 1.5 * u_blur), u_soft);
}
"""

DOF_BLUR = r"""
uniform vec2 u_out_res;     // this pass's (half) resolution
void main() {
    // Gather over a golden-angle spiral as wide as this pixel's own blur. A tap behind this
    // pixel may not blur over it beyond its own radius: a sharp subject keeps its edges.
    vec2 uv = gl_FragCoord.xy / u_out_res;
    float zc = view_z(uv), rc = coc(zc);
    vec3 acc = texture(u_color, uv).rgb;
    float tot = 1.0;
    for (int i = 0; i < DOF_TAPS; i++) {
        float r = DOF_DISC[i].z * rc;
        vec2 t = uv + DOF_DISC[i].xy * rc / u_res;
        float zt = view_z(t);
        float rt = zt > zc ? min(coc(zt), rc) : coc(zt);
        acc += mix(acc / tot, texture(u_color, t).rgb, smoothstep(r - 0.5, r + 0.5, rt));
        tot += 1.0;
    }
    f_color = vec4(acc / tot, 1.0);
}
"""

SCREEN = r"""
uniform sampler2D u_blurred; // DOF_BLUR's picture
uniform vec4 u_rect;        // picture area in pixels: x0, y0, x1, y1 (GL rows, from the bottom)
uniform vec2 u_weave;       // this frame's picture offset, pixels
uniform vec2 u_seed;        // this frame's grain offset
uniform float u_grain_px;   // grain size, pixels
uniform float u_ink_px;     // outline probe distance, pixels
uniform float u_ink_scale;  // 1 / the probe distance as an angle: edges measured in slopes

vec3 picture(vec2 uv) {
#ifdef SCREEN_DOF
    return mix(texture(u_color, uv).rgb, texture(u_blurred, uv).rgb,
               smoothstep(0.5, 1.5, coc(view_z(uv))));
#elif defined(SCREEN_SOFT)
    vec2 o = vec2(0.5 * u_soft) / u_res;  // four bilinear taps: a tent as wide as u_soft
    return 0.25 * (texture(u_color, uv + o).rgb + texture(u_color, uv - o).rgb
                   + texture(u_color, uv + vec2(o.x, -o.y)).rgb
                   + texture(u_color, uv + vec2(-o.x, o.y)).rgb);
#else
    return texture(u_color, uv).rgb;
#endif
}
#ifdef SCREEN_OUTLINE
// Ink where this pixel stands in front of its neighbours: second differences of 1/z, which
// are zero on any plane (however steeply seen), so only silhouettes and convex edges ink.
// Measured in slopes a right-angled edge scores at least 2. Things far behind the focus (the
// floor's far edge, distant walls) fade out: ink is for what the shot is about.
float ink(vec2 uv) {
    vec2 dx = vec2(u_ink_px / u_res.x, 0.0), dy = vec2(0.0, u_ink_px / u_res.y);
    float zc = view_z(uv), wc = 1.0 / zc;
    float ex = 2.0 * wc - 1.0 / view_z(uv - dx) - 1.0 / view_z(uv + dx);
    float ey = 2.0 * wc - 1.0 / view_z(uv - dy) - 1.0 / view_z(uv + dy);
    float e = max(ex, ey) / wc * u_ink_scale;
    float far = smoothstep(max(3.0 * u_focus, 10.0), max(6.0 * u_focus, 20.0), zc);
    return smoothstep(0.6, 1.4, e) * (1.0 - far);
}
#endif
void main() {
    vec2 p = gl_FragCoord.xy;
    if (any(lessThan(p, u_rect.xy)) || any(greaterThan(p, u_rect.zw))) {
        f_color = vec4(0.0, 0.0, 0.0, 1.0);
        return;
    }
    vec2 uv = (p + u_weave) / u_res;
    vec3 c = picture(uv);
#ifdef SCREEN_OUTLINE
    c = mix(c, vec3(0.06, 0.05, 0.09), ink(uv) * SCREEN_OUTLINE);
#endif
#ifdef SCREEN_VIGNETTE
    vec2 half_size = 0.5 * (u_rect.zw - u_rect.xy);
    vec2 q = (p - u_rect.xy - half_size) / length(half_size);  // round; 1 at the corners
    c *= 1.0 - SCREEN_VIGNETTE * smoothstep(0.1, 1.0, dot(q, q));
#endif
#ifdef SCREEN_GRAIN
    float l = dot(c, vec3(0.299, 0.587, 0.114));
    float g = vnoise(p / u_grain_px + u_seed) - 0.5;  // one grain for all channels: monochrome
    c += g * SCREEN_GRAIN * (0.6 + 1.6 * l * (1.0 - l));
#endif
    f_color = vec4(clamp(c, 0.0, 1.0), 1.0);
}
"""

DOF_TAPS = 16


def _f(x) -> str:
    return f"{float(x):.6f}"


def _vec3(v) -> str:
    return "vec3({}, {}, {})".format(*map(_f, v))


def defines(*, pcf_taps: int, occluders: int, water: bool, fog: bool, style,
            plate: bool = False) -> str:
    """Compile-time switches: a feature a scene does not use costs its pixels nothing."""
    lines = [
        f"#define MAX_OCC {max(1, min(occluders, MAX_OCCLUDERS))}",
        f"#define N_OCC {min(occluders, MAX_OCCLUDERS)}",
        f"#define PCF_TAPS {pcf_taps}", f"#define STYLE_EXPOSURE {_f(style.exposure)}",
        f"#define STYLE_GRADE {int(style.graded)}", f"#define STYLE_SATURATION {_f(style.saturation)}",
        f"#define STYLE_CONTRAST {_f(style.contrast)}",
        f"#define STYLE_TINT {_vec3(style.tint)}",
        f"#define STYLE_SHADOW_TINT {_vec3(style.shadow_tint)}",
        f"#define STYLE_HIGHLIGHT_TINT {_vec3(style.highlight_tint)}",
        f"#define STYLE_LIFT {_f(style.lift)}", f"#define STYLE_FADE {_f(style.fade)}",
        # With a screen pass the vignette is its round one, over the picture area.
        f"#define STYLE_LENS_VIGNETTE {int(not style.screen_pass)}",
        f"#define STYLE_VIGNETTE {_f(style.vignette)}",
        f"#define STYLE_CEL {int(style.cel_bands)}",
        f"#define STYLE_PAINTED_SKY {int(style.painted_sky)}",
    ]
    if water:
        lines.append("#define HAS_WATER")
    if fog:
        lines.append("#define HAS_FOG")
    if plate:
        lines.append("#define HAS_PLATE")
    return "\n".join(lines) + "\n"


def opaque_fragment(texture: str, defs: str) -> str:
    extra = "#define ALPHA_TEST\n" if texture == "net" else ""
    body = OPAQUE_MAIN.replace("TEXTURE_CODE", texture_code(texture))
    return FRAG_HEAD + defs + extra + HELPERS + CORE + body


def glass_fragment(defs: str) -> str:
    return FRAG_HEAD + defs + CORE + GLASS_MAIN


def water_fragment(defs: str) -> str:
    return FRAG_HEAD + defs + CORE + WATER_MAIN


def sky_fragment(defs: str) -> str:
    return "#version 330\n" + defs + HELPERS + CORE + SKY_MAIN


def catcher_fragment(defs: str) -> str:
    return FRAG_HEAD + defs + CORE + CATCHER_MAIN


def _disc(n: int) -> str:
    """``n`` taps over the unit disc on a golden-angle spiral, as a GLSL constant: (x, y, r)."""
    taps = []
    for i in range(n):
        r, a = math.sqrt((i + 0.5) / n), i * 2.399963
        taps.append(f"vec3({r * math.cos(a):.5f}, {r * math.sin(a):.5f}, {r:.5f})")
    return f"const vec3 DOF_DISC[{n}] = vec3[{n}]({', '.join(taps)});\n"


def dof_fragment() -> str:
    """The half-resolution depth-of-field gather."""
    return (f"#version 330\n#define DOF_TAPS {DOF_TAPS}\n" + _disc(DOF_TAPS) + SCREEN_HEAD
            + DOF_BLUR)


def screen_fragment(style) -> str:
    """The screen pass for ``style``, with only the steps it uses compiled in."""
    steps = {"SCREEN_DOF": style.dof, "SCREEN_SOFT": style.soft, "SCREEN_OUTLINE": style.outline,
             "SCREEN_GRAIN": style.grain, "SCREEN_VIGNETTE": style.vignette}
    lines = ["#version 330"] + [f"#define {name} {_f(v)}" for name, v in steps.items() if v > 0]
    return "\n".join(lines) + "\n" + HELPERS + SCREEN_HEAD + SCREEN
