"""Procedural textures, computed in the fragment shader from a part's own coordinates.

Each entry is the GLSL body of ``void texture_surface(inout Surface s)``; the renderer compiles
one shader program per texture that a scene uses, so no pixel pays for patterns it does not
show. ``s.p``/``s.pn`` are the point and normal in the part's own frame (metres), ``s.albedo``
arrives as the material's linear colour. A texture may change ``albedo``, ``rough``, ``metal``
and ``alpha`` (alpha < 0.5 discards the pixel: used by the net).
"""

from __future__ import annotations

# Shared helpers: hashing, value noise and the planar projection textures use.
HELPERS = r"""
float hash12(vec2 p) { vec3 p3 = fract(vec3(p.xyx) * 0.1031); p3 += dot(p3, p3.yzx + 33.33);
                       return fract((p3.x + p3.y) * p3.z); }
float hash13(vec3 p3) { p3 = fract(p3 * 0.1031); p3 += dot(p3, p3.zyx + 31.32);
                        return fract((p3.x + p3.y) * p3.z); }
float vnoise(vec2 p) { vec2 i = floor(p); vec2 f = fract(p); f = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash12(i), hash12(i + vec2(1, 0)), f.x),
               mix(hash12(i + vec2(0, 1)), hash12(i + vec2(1, 1)), f.x), f.y); }
float vnoise3(vec3 p) { vec3 i = floor(p); vec3 f = fract(p); f = f * f * (3.0 - 2.0 * f);
    return mix(mix(mix(hash13(i), hash13(i + vec3(1,0,0)), f.x),
                   mix(hash13(i + vec3(0,1,0)), hash13(i + vec3(1,1,0)), f.x), f.y),
               mix(mix(hash13(i + vec3(0,0,1)), hash13(i + vec3(1,0,1)), f.x),
                   mix(hash13(i + vec3(0,1,1)), hash13(i + vec3(1,1,1)), f.x), f.y), f.z); }
float fbm2(vec2 p) { return 0.5 * vnoise(p) + 0.3 * vnoise(p * 2.03 + 7.1) + 0.2 * vnoise(p * 4.1 + 3.3); }
// 2-D coordinates on the face a normal points out of (floors: xy; walls: xz or yz).
vec2 planar(vec3 p, vec3 n) { vec3 a = abs(n);
    if (a.z >= a.x && a.z >= a.y) return p.xy; if (a.x >= a.y) return p.yz; return p.xz; }
// Anti-aliased line mask for a distance d from a line of width w.
float aaline(float d, float w) { float fw = max(fwidth(d), 1e-5);
    return 1.0 - smoothstep(w * 0.5 - fw, w * 0.5 + fw, abs(d)); }
vec3 srgb2lin(vec3 c) { return pow(c, vec3(2.2)); }
// Boards running along u: returns (board id hash, seam mask, along-board coordinate).
vec3 boards(vec2 uv, float width, float len) {
    float row = floor(uv.y / width);
    float off = hash12(vec2(row, 3.7)) * len;
    float col = floor((uv.x + off) / len);
    float fy = fract(uv.y / width), fx = fract((uv.x + off) / len);
    // Seams fade out where a pixel spans much of a board (distance): no moire.
    float fw = max(fwidth(uv.x), fwidth(uv.y));
    float fade = 1.0 - smoothstep(0.08, 0.35, fw / width);
    float seam = max(aaline(min(fy, 1.0 - fy) * width, 0.003),
                     aaline(min(fx, 1.0 - fx) * len, 0.003)) * fade;
    return vec3(hash12(vec2(row, col)), seam, uv.x + off);
}
vec3 wood_boards(vec2 uv, vec3 base, float width, float len, out float seam) {
    vec3 b = boards(uv, width, len);
    seam = b.y;
    float fine = 1.0 - smoothstep(0.004, 0.02, max(fwidth(uv.x), fwidth(uv.y)));
    float g = mix(0.5, vnoise(vec2(b.z * 3.0, uv.y * 60.0 + b.x * 40.0)), fine);
    float g2 = vnoise(vec2(b.z * 0.7, uv.y * 9.0 + b.x * 13.0));
    float tone = mix(1.0, 0.82 + 0.32 * b.x, 1.0 - smoothstep(0.2, 0.6, max(fwidth(uv.x), fwidth(uv.y)) / width));
    vec3 c = base * tone * (0.88 + 0.2 * g) * (0.93 + 0.12 * g2);
    return mix(c, c * 0.55, b.y);
}
"""

TEXTURES: dict[str, str] = {
    "planks": r"""
    float seam; vec2 uv = planar(s.p, s.pn);
    s.albedo = wood_boards(uv, s.albedo, 0.14, 1.6, seam);
    s.rough = mix(s.rough, 0.8, seam);
""",
    "lane": r"""
    float seam; vec2 uv = planar(s.p, s.pn);
    s.albedo = wood_boards(uv, s.albedo, 0.026, 4.0, seam);
""",
    "grain": r"""
    vec3 p = s.p * vec3(1.0, 1.0, 0.25);
    float r = length(p.yz + vec2(0.31, 0.17)) * 55.0 + vnoise3(s.p * vec3(3.0, 9.0, 9.0)) * 4.0;
    float ring = smoothstep(0.0, 0.6, abs(fract(r) - 0.5) * 2.0);
    s.albedo *= mix(0.72, 1.08, ring) * (0.92 + 0.16 * vnoise3(s.p * 30.0));
""",
    "court": r"""
    float seam; vec2 p = s.p.xy;
    vec3 wood = wood_boards(vec2(p.x, p.y), s.albedo, 0.057, 2.4, seam);
    // NBA geometry: baselines 1.6 m behind each basket centre at x = +-12.12.
    float ax = abs(p.x), ay = abs(p.y);
    float bx = 12.12, base = 13.72;
    bool inside = ax < base && ay < 7.62;
    vec3 stain = inside ? wood : wood * vec3(0.42, 0.30, 0.22);
    vec2 q = vec2(bx - ax, p.y);            // from the near basket, +x into the court
    bool key = q.x > -1.6 && q.x < 4.19 && ay < 2.44;
    vec3 c = key ? mix(wood, srgb2lin(vec3(0.50, 0.16, 0.12)), 0.6) : stain;
    float line = 0.0, w = 0.05;
    line = max(line, aaline(ax - base, w) * step(ay, 7.645));                 // baselines
    line = max(line, aaline(ay - 7.62, w) * step(ax, base + 0.025));          // sidelines
    line = max(line, aaline(p.x, w) * step(ay, 7.62));                        // half-court
    line = max(line, aaline(length(p) - 1.83, w));                           // centre circle
    line = max(line, aaline(ay - 2.44, w) * step(-1.6, q.x) * step(q.x, 4.19)); // lane sides
    line = max(line, aaline(q.x - 4.19, w) * step(ay, 2.44));                 // free-throw line
    line = max(line, aaline(length(q - vec2(4.19, 0.0)) - 1.83, w) * step(4.19, q.x)); // FT circle
    float r3 = length(q);
    line = max(line, aaline(r3 - 7.24, w) * step(ay, 6.71) * step(0.0, q.x));   // 3-pt arc
    line = max(line, aaline(ay - 6.71, w) * step(-1.6, q.x) * step(q.x, 2.72)); // corner threes
    line = max(line, aaline(r3 - 1.22, w) * step(0.0, q.x));                  // restricted arc
    s.albedo = mix(c, vec3(0.85), line);
    s.rough = mix(s.rough, 0.5, line);
""",
    "tiles": r"""
    vec2 uv = planar(s.p, s.pn) / 0.3;
    vec2 f = fract(uv), id = floor(uv);
    float d = min(min(f.x, 1.0 - f.x), min(f.y, 1.0 - f.y)) * 0.3;
    float grout = aaline(d, 0.008);
    s.albedo *= 0.92 + 0.12 * hash12(id);
    s.albedo = mix(s.albedo, vec3(0.45, 0.44, 0.42) * s.albedo, grout);
    s.rough = mix(s.rough, 0.9, grout);
""",
    "speckle": r"""
    float n = vnoise3(s.p * 60.0), m = vnoise3(s.p * 7.0);
    s.albedo *= (0.8 + 0.35 * m) * (0.85 + 0.25 * n) * (hash13(floor(s.p * 400.0)) > 0.93 ? 0.7 : 1.0);
""",
    "weave": r"""
    vec2 uv = planar(s.p, s.pn) * 260.0;
    float a = sin(uv.x) * sin(uv.y * 0.5), b = sin(uv.y) * sin(uv.x * 0.5 + 1.57);
    s.albedo *= 0.82 + 0.18 * max(a, b) + 0.1 * vnoise(uv * 0.05);
""",
    "sand": r"""
    vec2 uv = planar(s.p, s.pn);
    float rip = sin(uv.x * 5.0 + vnoise(uv * 0.8) * 6.0) * 0.5 + 0.5;
    s.albedo *= (0.9 + 0.1 * rip) * (0.88 + 0.2 * vnoise(uv * 90.0)) * (0.92 + 0.12 * vnoise(uv * 2.0));
""",
    "grass": r"""
    vec2 uv = planar(s.p, s.pn);
    float stripe = step(0.5, fract(uv.x / 4.0));
    float n = vnoise(uv * 140.0), m = fbm2(uv * 1.3);
    s.albedo *= (0.78 + 0.3 * m) * (0.8 + 0.35 * n) * mix(0.9, 1.08, stripe);
""",
    "rink": r"""
    vec2 p = s.p.xy; float ax = abs(p.x);
    vec3 c = s.albedo * (0.96 + 0.06 * vnoise(p * 3.0));
    float red = max(aaline(p.x, 0.3), aaline(length(p) - 4.5, 0.05));
    red = max(red, aaline(ax - 11.0, 0.05));
    float blue = aaline(ax - 7.6, 0.3);
    c = mix(c, srgb2lin(vec3(0.8, 0.1, 0.12)), red);
    c = mix(c, srgb2lin(vec3(0.1, 0.25, 0.7)), blue);
    s.albedo = c;
    s.rough = mix(0.05, 0.25, vnoise(p * 30.0));
""",
    "asphalt": r"""
    vec2 uv = planar(s.p, s.pn);
    float n = vnoise(uv * 80.0), m = fbm2(uv * 0.6);
    s.albedo = vec3(0.05, 0.05, 0.055) * (0.8 + 0.4 * n) * (0.85 + 0.3 * m);
    float dash = aaline(uv.y + 3.0, 0.12) * step(0.5, fract(uv.x / 6.0));
    s.albedo = mix(s.albedo, srgb2lin(vec3(0.9, 0.78, 0.3)), dash);
    s.rough = 0.85;
""",
    "studio": r"""
    float r = length(s.p.xy);
    s.albedo = vec3(0.62) * mix(1.0, 0.78, smoothstep(1.5, 14.0, r));
    s.rough = 0.75;
""",
    "panels": r"""
    vec2 uv = planar(s.p, s.pn) / vec2(1.0, 0.5);
    vec2 f = fract(uv), id = floor(uv);
    float d = min(min(f.x, 1.0 - f.x), min(f.y, 1.0 - f.y)) * 0.5;
    float seam = aaline(d, 0.006);
    s.albedo *= (0.9 + 0.12 * hash12(id)) * (0.95 + 0.08 * vnoise(uv * vec2(40.0, 2.0)));
    s.albedo = mix(s.albedo, s.albedo * 0.35, seam);
    s.rough = mix(0.3 + 0.2 * hash12(id + 5.0), 0.8, seam);
""",
    "regolith": r"""
    vec2 uv = planar(s.p, s.pn);
    float m = fbm2(uv * 0.5), n = vnoise(uv * 40.0), k = vnoise(uv * 3.0);
    s.albedo = vec3(0.42, 0.41, 0.40) * (0.6 + 0.5 * m) * (0.85 + 0.25 * n) * (0.9 + 0.15 * k);
""",
    "basketball": r"""
    vec3 d = normalize(s.p);
    float w = 0.022;
    float seam = max(aaline(d.z, w), aaline(d.x, w));
    float curve = abs(d.y) - (0.72 - 0.35 * (d.x * d.x - d.z * d.z));
    seam = max(seam, aaline(curve, w * 1.3));
    float peb = vnoise3(s.p * 900.0);
    s.albedo *= 0.9 + 0.15 * peb;
    s.albedo = mix(s.albedo, vec3(0.015), seam);
    s.rough = mix(0.65, 0.5, seam);
""",
    "soccer": r"""
    vec3 d = normalize(s.p);
    const float P = 1.618034;
    vec3 ico[12] = vec3[12](vec3(0,1,P), vec3(0,-1,P), vec3(0,1,-P), vec3(0,-1,-P),
        vec3(1,P,0), vec3(-1,P,0), vec3(1,-P,0), vec3(-1,-P,0),
        vec3(P,0,1), vec3(-P,0,1), vec3(P,0,-1), vec3(-P,0,-1));
    float best = -1.0;
    for (int i = 0; i < 12; i++) best = max(best, dot(d, normalize(ico[i])));
    float pent = smoothstep(0.905, 0.915, best);
    float seam = aaline(best - 0.91, 0.006);
    s.albedo = mix(s.albedo, vec3(0.02), pent);
    s.albedo = mix(s.albedo, s.albedo * 0.5, seam);
""",
    "tennis": r"""
    vec3 d = normalize(s.p);
    float f = d.z - 0.85 * (d.x * d.x - d.y * d.y);
    float seam = aaline(f, 0.07);
    s.albedo *= 0.85 + 0.25 * vnoise3(s.p * 700.0);
    s.albedo = mix(s.albedo, vec3(0.9), seam);
    s.rough = 1.0;
""",
    "volleyball": r"""
    vec3 d = normalize(s.p); vec3 a = abs(d);
    float u; int ax;
    if (a.x >= a.y && a.x >= a.z) { u = d.y / a.x; ax = 0; }
    else if (a.y >= a.z) { u = d.z / a.y; ax = 1; }
    else { u = d.x / a.z; ax = 2; }
    float k = (u + 1.0) * 1.5; float band = floor(k);
    vec3 cols[3] = vec3[3](vec3(0.9, 0.88, 0.8), srgb2lin(vec3(0.98, 0.8, 0.1)),
                           srgb2lin(vec3(0.1, 0.3, 0.75)));
    int ci = int(mod(band + float(ax), 3.0));
    s.albedo = cols[ci];
    float seam = aaline((fract(k) - 0.5) * 2.0 - sign(fract(k) - 0.5), 0.05);
    s.albedo = mix(s.albedo, s.albedo * 0.4, seam);
""",
    "beachball": r"""
    vec3 d = normalize(s.p);
    float a = atan(d.y, d.x) / 6.2831853 + 0.5;
    int seg = int(floor(a * 6.0));
    vec3 cols[6] = vec3[6](srgb2lin(vec3(0.9, 0.1, 0.1)), srgb2lin(vec3(1.0, 0.85, 0.1)),
        srgb2lin(vec3(0.1, 0.35, 0.85)), vec3(0.85), srgb2lin(vec3(0.1, 0.65, 0.25)),
        srgb2lin(vec3(1.0, 0.5, 0.05)));
    s.albedo = cols[seg];
    s.albedo = mix(s.albedo, vec3(0.85), smoothstep(0.9, 0.91, abs(d.z)));
    s.rough = 0.25;
""",
    "marble": r"""
    vec3 p = s.p * 18.0;
    float v = sin(p.x + p.y * 0.6 + vnoise3(p) * 5.0 + vnoise3(p * 2.3) * 2.0);
    float vein = pow(1.0 - abs(v), 6.0);
    s.albedo = mix(s.albedo, s.albedo * 2.2 + 0.05, vein * 0.6);
    s.rough = 0.15;
""",
    "net": r"""
    float th = atan(s.p.y, s.p.x) * 12.0 / 6.2831853;
    float z = s.p.z / 0.07;
    float u = fract(th + z), v = fract(th - z);
    float du = min(u, 1.0 - u), dv = min(v, 1.0 - v);
    float wu = max(0.09, fwidth(th + z) * 0.9), wv = max(0.09, fwidth(th - z) * 0.9);
    s.alpha = (du < wu || dv < wv) ? 1.0 : 0.0;
""",
}


def texture_code(name: str | None) -> str:
    """The GLSL body for a texture name; unknown names and ``None`` draw the plain colour."""
    return TEXTURES.get(name or "", "")


def texture_key(name: str | None) -> str:
    """The program variant a texture name is drawn with ('' = plain colour)."""
    return name if name in TEXTURES else ""
