"""The CPU renderer: moderngl on Mesa's llvmpipe, physically based shading, one frame at a time.

Per frame: (1) pose every visible body, (2) redraw the sun's shadow map if a caster moved,
(3) draw opaque surfaces grouped by shader program (one program per procedural texture),
(4) fill the background with the sky, (5) blend glass and water back to front,
(6) anti-alias, (7) the style's screen pass (:mod:`tenku.render.post`; not for the realistic
look), (8) read the pixels into a reused buffer.

All meshes are built once. A body is one vertex buffer with an index buffer per program, so a
frame costs a handful of draw calls per body; fixed bodies and the environment are merged into
one static batch.

A backdrop plate (:func:`tenku.render.plate.load_plate`) replaces the environment's scenery:
no sky, walls, environment parts, water or floor texture are drawn; the plate fills the
background in screen space and the floor at z = 0 becomes an invisible shadow catcher that
shows the plate darkened by the bodies' shadows and occlusion. Entities, fixed ones included,
draw as usual in front of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from tenku.catalog.environments import Environment
from tenku.render import shaders
from tenku.render.camera import CameraPose, look_at, track_spheres
from tenku.render.looks import apply_lighting, light_rig, quality as get_quality, style as get_style
from tenku.render.meshes import (
    VERTEX_ATTRS, VERTEX_FORMAT, is_transparent, merge_parts, part_texture, part_vertices,
    srgb_to_linear, transform_vertices,
)
from tenku.render.post import ScreenPass, pixel_scale, view_scale
from tenku.render.textures import texture_key
from tenku.scene.parts import Part, quat_to_mat
from tenku.scene.result import SimResult, Track

_GL_CONTEXT_ENV = {"LP_NUM_THREADS": str(max(1, min(os.cpu_count() or 2, 16)))}
_FAR = 800.0  # far clipping plane, metres


def _mat_bytes(m: np.ndarray) -> bytes:
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


def _model(pos, quat) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = quat_to_mat(quat)
    m[:3, 3] = pos
    return m


class _Marks:
    """Stage timer for profiling: waits for the GL pipeline at each mark."""

    def __init__(self, ctx):
        import time

        self._clock = time.perf_counter
        self._ctx = ctx
        self._t = self._clock()
        self.times: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        self._ctx.finish()
        t = self._clock()
        self.times[name] = t - self._t
        self._t = t


@dataclass
class _Draw:
    """Geometry of one body: per-program index ranges into one vertex buffer."""

    opaque: dict[str, object] = field(default_factory=dict)   # texture key -> VAO
    caster: object | None = None                                # depth-only VAO
    glass: list[tuple[object, np.ndarray]] = field(default_factory=list)  # (VAO, local centre)


class Renderer:
    """Renders frames of one simulation in one environment at one size, in one style.

    ``backdrop``: a (height, width, 3) uint8 sRGB picture (``load_plate`` makes one) shown in
    place of the environment's scenery; see the module's notes."""

    def __init__(self, width: int, height: int, sim: SimResult, env: Environment, *, lighting,
                 style: str = "realistic", quality: str = "standard",
                 backdrop: np.ndarray | None = None):
        self.width, self.height = int(width), int(height)
        self.sim = sim
        self.env = env
        self.style = get_style(style)
        self.quality = get_quality(quality)
        self.plate = _check_backdrop(backdrop, self.width, self.height)
        look = apply_lighting(env.look, lighting.preset, lighting.sun_elevation,
                              lighting.sun_azimuth)
        self.rig = light_rig(look)
        self._closed = False
        self._profile: dict | None = None  # set to {} to accumulate per-stage seconds
        for k, v in _GL_CONTEXT_ENV.items():
            os.environ.setdefault(k, v)
        import moderngl

        self._mgl = moderngl
        self.ctx = moderngl.create_standalone_context(backend="egl")
        try:
            self._build()
        except Exception:
            self.ctx.release()
            raise

    # ------------------------------------------------------------------ setup
    def _build(self) -> None:
        ctx, q = self.ctx, self.quality
        mgl = self._mgl
        plate = self.plate is not None  # a plate replaces water and fog with the picture
        self._defs = shaders.defines(pcf_taps=q.pcf_taps, occluders=q.occluders,
                                     water=self._water() is not None,
                                     fog=self.rig.fog > 0 and not plate, style=self.style,
                                     plate=plate)
        self._programs: dict[str, object] = {}
        self._glass_prog = ctx.program(vertex_shader=shaders.VERTEX,
                                       fragment_shader=shaders.glass_fragment(self._defs))
        self._water_prog = None
        self._sky_prog = ctx.program(vertex_shader=shaders.SKY_VERTEX,
                                     fragment_shader=shaders.sky_fragment(self._defs))
        self._shadow_prog = ctx.program(vertex_shader=shaders.SHADOW_VERTEX,
                                        fragment_shader=shaders.SHADOW_FRAGMENT)
        tri = np.array([-1, -1, 3, -1, -1, 3], dtype="f4")
        self._tri_vbo = ctx.buffer(tri.tobytes())
        self._sky_vao = ctx.vertex_array(self._sky_prog, [(self._tri_vbo, "2f", "in_xy")])

        # Bodies: the static batch, then one entry per moving track.
        self._buffers = []
        self._static = _Draw()
        self._static_glass: list[tuple[object, np.ndarray]] = []
        self._tracks: list[tuple[Track, _Draw]] = []
        static_items = self._static_parts()
        for t in self.sim.tracks:
            if self._is_fixed(t):
                m = (t.pos[0], t.quat[0])
                for p in t.parts:
                    v, tr = part_vertices(p, q.detail)
                    static_items.append((p, transform_vertices(v, *m), tr))
            else:
                self._tracks.append((t, self._make_draw([(p, *part_vertices(p, q.detail))
                                                         for p in t.parts], per_part_glass=False)))
        self._static = self._make_draw(static_items, per_part_glass=True)
        self._occluders = [self._track_occluders(t) for t, _ in self._tracks]
        self._water_vao = self._make_water()
        self._catcher_prog = self._catcher_vao = None
        if plate:
            self._make_catcher()

        # Shadow map fitted to everything that can move or matters.
        self._shadow_tex = ctx.depth_texture((q.shadow_size, q.shadow_size))
        self._shadow_tex.compare_func = "<="
        self._shadow_tex.filter = (mgl.LINEAR, mgl.LINEAR)
        self._shadow_tex.repeat_x = self._shadow_tex.repeat_y = False
        self._shadow_fbo = ctx.framebuffer(depth_attachment=self._shadow_tex)
        self._fit_light()
        self._shadow_key = None

        self._make_targets()
        self._pixels = bytearray(self.width * self.height * 3)
        for prog in self._all_programs():
            self._set_constants(prog)

    def _make_targets(self) -> None:
        """Framebuffers from the scene to the read-back, each pass reading the one before:
        the scene (multisampled at "high", then resolved), FXAA ("standard"), the style's
        screen pass."""
        ctx, w, h = self.ctx, self.width, self.height
        screen = self.style.screen_pass
        self._resolve_fbo = self._fxaa_fbo = self._screen = self._plate_tex = None
        if self.quality.aa == "msaa4":
            samples = min(4, ctx.max_samples)
            self._main_fbo = ctx.framebuffer(
                color_attachments=[ctx.renderbuffer((w, h), 4, samples=samples)],
                depth_attachment=ctx.depth_renderbuffer((w, h), samples=samples))
            self._resolve_fbo = self._texture_fbo(depth=screen)
        else:
            self._main_fbo = self._texture_fbo(depth=True)
        # A style that softens the picture by a pixel or more anti-aliases it as it does.
        if self.quality.aa == "fxaa" and self.style.soft * pixel_scale(w, h) < 1.0:
            self._fxaa_fbo = self._texture_fbo(depth=False)
            self._fxaa = ctx.program(vertex_shader=shaders.POST_VERTEX,
                                     fragment_shader=shaders.FXAA)
            self._fxaa["u_px"].value = (1.0 / w, 1.0 / h)
            self._fxaa["u_src"].value = 1
            self._fxaa_vao = ctx.vertex_array(self._fxaa, [(self._tri_vbo, "2f", "in_xy")])
        if screen:
            self._screen = ScreenPass(ctx, self.style, w, h, self._tri_vbo)
        self._view_scale = view_scale(w, h, self.style.aspect)
        if self.plate is not None:
            self._plate_tex = ctx.texture((w, h), 3, np.ascontiguousarray(self.plate[::-1]),
                                          alignment=1)

    def _texture_fbo(self, depth: bool):
        """A framebuffer whose colour (and depth) a later pass can sample."""
        ctx, mgl, size = self.ctx, self._mgl, (self.width, self.height)
        colour = ctx.texture(size, 4)
        colour.filter = (mgl.LINEAR, mgl.LINEAR)
        colour.repeat_x = colour.repeat_y = False
        depth_tex = None
        if depth:
            depth_tex = ctx.depth_texture(size)
            depth_tex.compare_func = ""  # read as distances, not as a shadow comparison
            depth_tex.filter = (mgl.LINEAR, mgl.LINEAR)
            depth_tex.repeat_x = depth_tex.repeat_y = False
        return ctx.framebuffer(color_attachments=[colour], depth_attachment=depth_tex)

    def _is_fixed(self, t: Track) -> bool:
        if t.dynamic:
            return False
        return bool(np.all(t.visible)) and np.ptp(t.pos, axis=0).max() < 1e-6 and \
            np.ptp(t.quat, axis=0).max() < 1e-6

    def _static_parts(self) -> list:
        """Environment parts and the floor, as (part, vertices, triangles) in world frame;
        none under a backdrop plate, which replaces the scenery."""
        env, q = self.env, self.quality
        if self.plate is not None:
            return []
        parts = [p for p in self.sim.static_parts
                 if not (p.shape == "plane" and abs(p.pos[2]) < 1e-3)]
        for p in env.parts:
            if p not in parts:
                parts.append(p)
        return [(p, *part_vertices(p, q.detail)) for p in parts] + self._floor_items()

    def _floor_items(self) -> list:
        """The floor as (part, vertices, triangles), just under z = 0."""
        env, items = self.env, []
        if env.floor_size > 0:
            size = env.floor_size if env.look.indoor else max(env.floor_size, 300.0)
            for lo, hi in self._floor_rects(size):
                c = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, -0.002)
                p = Part("plane", ((hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2), c,
                         material=env.floor_material, texture=env.floor_texture, name="floor")
                v, tr = part_vertices(p, self.quality.detail)
                v[:, 6:9] = v[:, 0:3]  # textures in world coordinates: court lines line up
                items.append((p, v, tr))
        return items

    def _water(self):
        """The water to draw: none under a backdrop plate (it is scenery; physics keeps it)."""
        return None if self.plate is not None else (self.sim.water or self.env.water)

    def _floor_rects(self, size: float):
        """The floor square, less a sunken water region (pool, sea) so the water shows."""
        lo, hi = np.array([-size, -size]), np.array([size, size])
        w = self.sim.water or self.env.water
        if w is None or w.floor > -0.05:
            return [(lo, hi)]
        wl, wh = np.maximum(np.array(w.lo), lo), np.minimum(np.array(w.hi), hi)
        if np.any(wl >= wh):
            return [(lo, hi)]
        rects = [((lo[0], lo[1]), (hi[0], wl[1])), ((lo[0], wh[1]), (hi[0], hi[1])),
                 ((lo[0], wl[1]), (wl[0], wh[1])), ((wh[0], wl[1]), (hi[0], wh[1]))]
        return [(np.array(a), np.array(b)) for a, b in rects if b[0] - a[0] > 1e-3 and b[1] - a[1] > 1e-3]

    def _program(self, key: str):
        if key not in self._programs:
            self._programs[key] = self.ctx.program(
                vertex_shader=shaders.VERTEX,
                fragment_shader=shaders.opaque_fragment(key, self._defs))
        return self._programs[key]

    def _vao(self, prog, vbo, ibo):
        return self.ctx.vertex_array(prog, [(vbo, VERTEX_FORMAT, *VERTEX_ATTRS)], ibo,
                                     skip_errors=True)

    def _make_draw(self, items, per_part_glass: bool) -> _Draw:
        """Upload ``(part, vertices, triangles)`` items as one body."""
        draw = _Draw()
        groups: dict[str, list] = {}
        glass: list = []
        for p, v, tr in items:
            if len(tr) == 0:
                continue
            if is_transparent(p):
                glass.append((v, tr))
            else:
                groups.setdefault(texture_key(part_texture(p)), []).append((v, tr))
        ordered = [(k, g) for k, g in groups.items()]
        all_items = [it for _, g in ordered for it in g] + glass
        if not all_items:
            return draw
        mesh = merge_parts(all_items)
        vbo = self.ctx.buffer(mesh.vertices.tobytes())
        self._buffers.append(vbo)
        start = 0
        opaque_end = 0
        for key, g in ordered:
            n = sum(t.size for _, t in g)
            idx = mesh.indices[start:start + n]
            ibo = self.ctx.buffer(idx.tobytes())
            self._buffers.append(ibo)
            draw.opaque[key] = self._vao(self._program(key), vbo, ibo)
            start += n
        opaque_end = start
        if opaque_end:
            ibo = self.ctx.buffer(mesh.indices[:opaque_end].tobytes())
            self._buffers.append(ibo)
            draw.caster = self.ctx.vertex_array(self._shadow_prog,
                                                [(vbo, "3f 60x", "in_pos")], ibo)
        # Glass: one draw per body (or per part for the static batch, so it sorts).
        chunks = [[g] for g in glass] if per_part_glass else ([glass] if glass else [])
        for chunk in chunks:
            n = sum(t.size for _, t in chunk)
            idx = mesh.indices[start:start + n]
            start += n
            ibo = self.ctx.buffer(idx.tobytes())
            self._buffers.append(ibo)
            centre = np.concatenate([v[:, :3] for v, _ in chunk]).mean(axis=0)
            draw.glass.append((self._vao(self._glass_prog, vbo, ibo), centre.astype(float)))
        return draw

    def _make_water(self):
        w = self._water()
        if w is None:
            return None
        from tenku.render.meshes import box
        lo = np.array([w.lo[0], w.lo[1], w.floor])
        hi = np.array([w.hi[0], w.hi[1], w.level])
        pos, nrm, tri = box(*((hi - lo) / 2))
        keep = [i for i, t in enumerate(tri) if nrm[t[0], 2] > -0.5]  # no bottom face
        tri = tri[keep]
        v = np.zeros((len(pos), 18), np.float32)
        v[:, 0:3] = pos + (lo + hi) / 2
        v[:, 3:6] = nrm
        v[:, 12:15] = srgb_to_linear((0.10, 0.30, 0.36))
        v[:, 15:18] = (0.02, 0.0, 0.7)
        self._water_prog = self.ctx.program(vertex_shader=shaders.VERTEX,
                                            fragment_shader=shaders.water_fragment(self._defs))
        vbo = self.ctx.buffer(v.tobytes())
        ibo = self.ctx.buffer(tri.astype(np.uint32).tobytes())
        self._buffers += [vbo, ibo]
        self._water_centre = (lo + hi) / 2
        return self._vao(self._water_prog, vbo, ibo)

    def _make_catcher(self) -> None:
        """The invisible floor that shows the backdrop plate with the bodies' shadows on it."""
        items = self._floor_items()
        if not items:
            return
        self._catcher_prog = self.ctx.program(
            vertex_shader=shaders.VERTEX, fragment_shader=shaders.catcher_fragment(self._defs))
        mesh = merge_parts([(v, tr) for _, v, tr in items])
        vbo = self.ctx.buffer(mesh.vertices.tobytes())
        ibo = self.ctx.buffer(mesh.indices.tobytes())
        self._buffers += [vbo, ibo]
        self._catcher_vao = self._vao(self._catcher_prog, vbo, ibo)

    def _track_occluders(self, t: Track) -> list[tuple[np.ndarray, float]]:
        out = []
        for p in t.parts:
            if is_transparent(p) or p.shape in ("plane", "torus") or not p.collide:
                continue
            lo, hi = p.local_aabb()
            half = (hi - lo) / 2
            r = float(half.min() if p.shape != "sphere" else p.size[0])
            if 0.005 < r < 1.5 and half.max() < 2.5 * half.min() + 1e-9:
                out.append(((lo + hi) / 2, r))
        return out

    def _fit_light(self) -> None:
        pts = []
        step = max(1, len(self.sim.times) // 48)
        for t in self.sim.tracks:
            cs, rs = track_spheres(t)
            for f in range(0, len(t.pos), step):
                if not t.visible[f]:
                    continue
                c = cs @ quat_to_mat(t.quat[f]).T + t.pos[f]
                pts.append(c - rs[:, None])
                pts.append(c + rs[:, None])
        if pts:
            allp = np.concatenate(pts)
            lo, hi = allp.min(axis=0), allp.max(axis=0)
        else:
            lo, hi = np.array([-2.0, -2.0, 0.0]), np.array([2.0, 2.0, 1.0])
        lo = np.maximum(lo - 0.3, -40.0)
        hi = np.minimum(hi + 0.3, 40.0)
        lo[2] = min(lo[2], 0.0)
        centre = (lo + hi) / 2
        L = self.rig.sun_dir
        up = np.array([0.0, 1.0, 0.0]) if abs(L[2]) > 0.99 else np.array([0.0, 0.0, 1.0])
        view = look_at(centre + L * 10.0, centre, up)
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                            for z in (lo[2], hi[2])])
        lc = corners @ view[:3, :3].T + view[:3, 3]
        x0, y0 = lc[:, 0].min(), lc[:, 1].min()
        x1, y1 = lc[:, 0].max(), lc[:, 1].max()
        near, far = -lc[:, 2].max() - 4.0, -lc[:, 2].min() + 0.5
        ortho = np.eye(4)
        ortho[0, 0], ortho[0, 3] = 2 / (x1 - x0), -(x1 + x0) / (x1 - x0)
        ortho[1, 1], ortho[1, 3] = 2 / (y1 - y0), -(y1 + y0) / (y1 - y0)
        ortho[2, 2], ortho[2, 3] = -2 / (far - near), -(far + near) / (far - near)
        self._light_clip = ortho @ view
        bias = np.array([[0.5, 0, 0, 0.5], [0, 0.5, 0, 0.5], [0, 0, 0.5, 0.5], [0, 0, 0, 1]])
        self._light_tex = bias @ self._light_clip
        texel = max(x1 - x0, y1 - y0) / self.quality.shadow_size
        self._normal_offset = 1.5 * texel
        self._shadow_radius = self.quality.pcf_radius / self.quality.shadow_size

    def _all_programs(self):
        progs = list(self._programs.values()) + [self._glass_prog, self._sky_prog]
        progs += [p for p in (self._water_prog, self._catcher_prog) if p is not None]
        return progs

    def _set_constants(self, prog) -> None:
        r, s = self.rig, self.style
        w = self._water()
        values = {
            "u_sun_dir": tuple(r.sun_dir), "u_sun_col": tuple(r.sun_col * s.sun),
            "u_sky_top": tuple(r.sky_top), "u_sky_hor": tuple(r.sky_hor),
            "u_sky_gnd": tuple(r.sky_gnd), "u_ambient": r.ambient * s.ambient,
            "u_indoor": float(r.indoor), "u_fog": r.fog,
            "u_res": (float(self.width), float(self.height)), "u_shadow": 0, "u_plate": 2,
            "u_shadow_radius": self._shadow_radius, "u_normal_offset": self._normal_offset,
            "u_stars": float(r.stars), "u_sun_disc": float(not r.indoor),
            "u_water_col": tuple(srgb_to_linear((0.10, 0.30, 0.36)) * 0.8),
            "u_nocc": 0,
        }
        if w is not None:
            size = min(w.hi[0] - w.lo[0], w.hi[1] - w.lo[1])
            values["u_water_box"] = (w.lo[0], w.lo[1], w.hi[0], w.hi[1])
            values["u_water"] = (w.level, w.floor, 1.0, float(np.clip(size / 5.0, 0.04, 3.0)))
        else:
            values["u_water"] = (0.0, 0.0, 0.0, 1.0)
        for k, v in values.items():
            if k in prog:
                prog[k].value = v
        if "u_light" in prog:
            prog["u_light"].write(_mat_bytes(self._light_tex))

    # ------------------------------------------------------------------ per frame
    def render(self, frame: int, camera: CameraPose) -> np.ndarray:
        """The frame as a (height, width, 3) uint8 sRGB array, row 0 at the top."""
        if self._closed:
            raise RuntimeError("renderer is closed")
        ctx = self.ctx
        mgl = self._mgl
        n = len(self.sim.times)
        frame = int(np.clip(frame, 0, max(n - 1, 0)))
        time = float(self.sim.times[frame]) if n else 0.0

        prof = self._profile
        mark = _Marks(ctx) if prof is not None else None
        # 1. Poses of the visible bodies.
        bodies = []
        for t, draw in self._tracks:
            if n and not t.visible[frame]:
                continue
            bodies.append((t, draw, _model(t.pos[frame], t.quat[frame])))

        # 2. Shadow map, only when a caster moved.
        key = tuple((t.id, m.tobytes()) for t, _, m in bodies)
        if key != self._shadow_key:
            self._shadow_key = key
            self._shadow_fbo.use()
            self._shadow_fbo.clear(depth=1.0)
            ctx.enable(mgl.DEPTH_TEST)
            ctx.disable(mgl.CULL_FACE)
            sp = self._shadow_prog
            sp["u_light_clip"].write(_mat_bytes(self._light_clip))
            if self._static.caster is not None:
                sp["u_model"].write(_mat_bytes(np.eye(4)))
                self._static.caster.render(mgl.TRIANGLES)
            for _, draw, m in bodies:
                if draw.caster is not None:
                    sp["u_model"].write(_mat_bytes(m))
                    draw.caster.render(mgl.TRIANGLES)
        self._shadow_tex.use(0)
        if mark:
            mark("shadow")

        # Per-frame uniforms.
        dist = float(np.linalg.norm(camera.target - camera.eye))
        near = float(np.clip(dist * 0.02, 0.005, 0.5))
        proj = camera.projection(self.width / self.height, near, _FAR)
        if self._view_scale != 1.0:  # the frame's view, shrunk into the style's picture area
            proj[:2] *= self._view_scale
        vp = proj @ camera.view()
        vp_b = _mat_bytes(vp)
        occ = np.zeros((shaders.MAX_OCCLUDERS, 4), np.float32)
        occ[:, 2] = -1e4  # unused slots: far away, zero radius
        k = 0
        occ_list = []
        for i, (t, draw) in enumerate(self._tracks):
            if n and not t.visible[frame]:
                continue
            R = quat_to_mat(t.quat[frame])
            for c, r in self._occluders[i]:
                occ_list.append((R @ c + t.pos[frame], r))
        occ_list.sort(key=lambda cr: np.linalg.norm(cr[0] - camera.target) - cr[1] * 10)
        for c, r in occ_list[: self.quality.occluders]:
            occ[k, :3], occ[k, 3] = c, r
            k += 1
        occ_b = occ[: max(1, min(self.quality.occluders, shaders.MAX_OCCLUDERS))].tobytes()
        eye = tuple(float(x) for x in camera.eye)
        for prog in self._all_programs():
            if "u_vp" in prog:
                prog["u_vp"].write(vp_b)
            if "u_eye" in prog:
                prog["u_eye"].value = eye
            if "u_time" in prog:
                prog["u_time"].value = time
            if "u_occ" in prog:
                u = prog["u_occ"]
                u.write(occ_b[: u.array_length * 16])
                if "u_nocc" in prog:
                    prog["u_nocc"].value = k
        if "u_inv_vp" in self._sky_prog:
            self._sky_prog["u_inv_vp"].write(_mat_bytes(np.linalg.inv(vp)))

        if self._plate_tex is not None:
            self._plate_tex.use(2)

        if mark:
            mark("uniforms")
        # 3. Opaque surfaces, grouped by program (the plate's shadow catcher last: only the
        #    floor that no body covers is shaded).
        fbo = self._main_fbo
        fbo.use()
        fbo.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
        ctx.enable(mgl.DEPTH_TEST | mgl.CULL_FACE)
        ctx.disable(mgl.BLEND)
        ctx.cull_face = "back"
        ident = _mat_bytes(np.eye(4))
        for key_, prog in self._programs.items():
            two_sided = key_ == "net"
            if two_sided:
                ctx.disable(mgl.CULL_FACE)
            vao = self._static.opaque.get(key_)
            if vao is not None:
                prog["u_model"].write(ident)
                vao.render(mgl.TRIANGLES)
            for _, draw, m in bodies:
                vao = draw.opaque.get(key_)
                if vao is not None:
                    prog["u_model"].write(_mat_bytes(m))
                    vao.render(mgl.TRIANGLES)
            if two_sided:
                ctx.enable(mgl.CULL_FACE)
        if self._catcher_vao is not None:
            self._catcher_prog["u_model"].write(ident)
            self._catcher_vao.render(mgl.TRIANGLES)

        if mark:
            mark("opaque")
        # 4. Sky behind everything.
        ctx.depth_func = "<="
        ctx.disable(mgl.CULL_FACE)
        self._sky_vao.render(mgl.TRIANGLES)
        ctx.depth_func = "<"

        if mark:
            mark("sky")
        # 5. Glass and water, back to front.
        items = []
        if self._water_vao is not None:
            items.append((self._water_vao, self._water_prog, None, self._water_centre))
        for vao, c in self._static.glass:
            items.append((vao, self._glass_prog, None, c))
        for _, draw, m in bodies:
            for vao, c in draw.glass:
                items.append((vao, self._glass_prog, m, m[:3, :3] @ c + m[:3, 3]))
        if items:
            items.sort(key=lambda it: -float(np.linalg.norm(it[3] - camera.eye)))
            ctx.enable(mgl.BLEND | mgl.CULL_FACE)
            ctx.blend_func = mgl.ONE, mgl.ONE_MINUS_SRC_ALPHA
            fbo.depth_mask = False
            for vao, prog, m, _ in items:
                prog["u_model"].write(ident if m is None else _mat_bytes(m))
                for face in ("front", "back"):  # far side first, then the near side
                    ctx.cull_face = face
                    vao.render(mgl.TRIANGLES)
            fbo.depth_mask = True
            ctx.disable(mgl.BLEND)
            ctx.cull_face = "back"

        if mark:
            mark("transparent")
        # 6. Anti-aliasing. ``src`` is the framebuffer holding the picture so far.
        src = self._main_fbo
        if self._resolve_fbo is not None:
            ctx.copy_framebuffer(self._resolve_fbo, self._main_fbo)
            src = self._resolve_fbo
        depth = src.depth_attachment
        if self._fxaa_fbo is not None:
            self._fxaa_fbo.use()
            ctx.disable(mgl.DEPTH_TEST)
            src.color_attachments[0].use(1)
            self._fxaa_vao.render(mgl.TRIANGLES)
            src = self._fxaa_fbo

        if mark:
            mark("aa")
        # 7. The style's screen pass.
        if self._screen is not None:
            ctx.disable(mgl.DEPTH_TEST)
            self._screen.draw(src.color_attachments[0], depth, frame, near, _FAR, dist, proj)
            src = self._screen.fbo

        if mark:
            mark("screen")
        # 8. Read back.
        src.read_into(self._pixels, components=3, alignment=1)
        img = np.frombuffer(self._pixels, dtype=np.uint8).reshape(self.height, self.width, 3)
        out = img[::-1].copy()
        if mark:
            mark("readback")
            for k_, v_ in mark.times.items():
                prof[k_] = prof.get(k_, 0.0) + v_
        return out

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.ctx.release()
        except Exception:
            pass

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _check_backdrop(backdrop, width: int, height: int) -> np.ndarray | None:
    """The plate as a contiguous uint8 array, or a ValueError saying what to pass."""
    if backdrop is None:
        return None
    a = np.asarray(backdrop)
    if a.dtype != np.uint8 or a.shape != (height, width, 3):
        raise ValueError(f"backdrop must be a ({height}, {width}, 3) uint8 RGB array the size of "
                         f"the output, got {a.dtype} {a.shape}; tenku.render.plate.load_plate "
                         "makes one from an image")
    return np.ascontiguousarray(a)
