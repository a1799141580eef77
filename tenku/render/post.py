"""The style's screen pass: what a style does to the whole frame once the scene is drawn.

Picture area: a style with an ``aspect`` shows a centred picture of that shape with black bars
around it: wider than the frame gives a letterbox (bars top and bottom: cinematic's 2.39:1 in
a 16:9 frame), narrower a pillarbox (bars left and right: the newsreel's 4:3 in a landscape
frame; in a portrait frame 4:3 is wider, so it is letterboxed). The scene is drawn zoomed out
by :func:`view_scale`, so everything the camera rig fitted into the frame fits the picture:
bars never cut off what the camera framed.

Depth of field focuses at the camera target's distance (the rigs aim at the subject); the
blur of the far background shrinks as the focus distance grows, as a real lens's does. Grain
and gate weave change every frame but come from the frame index alone, so rendering the same
frame again gives the same pixels. Sizes in :class:`~tenku.render.looks.Style` are pixels at
1280x720 and scale with the frame's short side.
"""

from __future__ import annotations

import numpy as np

from tenku.render import shaders

#: The short side, in pixels, that a style's pixel sizes are given for.
REFERENCE_SIDE = 720.0


def pixel_scale(width: int, height: int) -> float:
    """How many pixels of this frame a style's pixel (at 1280x720) is."""
    return min(width, height) / REFERENCE_SIDE


def picture_rect(width: int, height: int, aspect: float | None) -> tuple[int, int, int, int]:
    """The picture area ``(x0, y0, x1, y1)`` in pixels, rows counted from the top; the frame
    itself when ``aspect`` is None."""
    if not aspect:
        return 0, 0, width, height
    if aspect >= width / height:
        ph = min(height, max(1, round(width / aspect)))
        y0 = (height - ph) // 2
        return 0, y0, width, y0 + ph
    pw = min(width, max(1, round(height * aspect)))
    x0 = (width - pw) // 2
    return x0, 0, x0 + pw, height


def view_scale(width: int, height: int, aspect: float | None) -> float:
    """How much to shrink the camera's view so the whole frame's view fits the picture area."""
    x0, y0, x1, y1 = picture_rect(width, height, aspect)
    return min((x1 - x0) / width, (y1 - y0) / height)


def frame_jitter(frame: int, weave_px: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """This frame's gate-weave offset in pixels (sideways more than up and down, as a film
    gate wanders) and its grain pattern's offset, from the frame index alone."""
    rng = np.random.default_rng([int(frame), 0x7E2C])
    dx, dy, sx, sy = rng.uniform(-1.0, 1.0, 4)
    return (float(dx * weave_px), float(dy * weave_px * 0.6)), (float(sx * 500), float(sy * 500))


class ScreenPass:
    """The full-frame draws that turn the anti-aliased scene (colour and depth textures) into
    the styled frame in their own framebuffer: a half-resolution depth-of-field gather when the
    style has one, then the pass that does everything else."""

    def __init__(self, ctx, style, width: int, height: int, tri_vbo):
        self.style = style
        self.height = height
        self.scale = pixel_scale(width, height)
        self.program = ctx.program(vertex_shader=shaders.POST_VERTEX,
                                   fragment_shader=shaders.screen_fragment(style))
        self.vao = ctx.vertex_array(self.program, [(tri_vbo, "2f", "in_xy")])
        self.fbo = ctx.framebuffer(color_attachments=[ctx.renderbuffer((width, height), 4)])
        self._programs = [self.program]
        self._dof = None
        if style.dof > 0:
            half = (max(1, width // 2), max(1, height // 2))
            prog = ctx.program(vertex_shader=shaders.POST_VERTEX,
                               fragment_shader=shaders.dof_fragment())
            tex = ctx.texture(half, 4)
            tex.repeat_x = tex.repeat_y = False  # LINEAR filtering (the default) upsamples it
            self._dof = (prog, ctx.vertex_array(prog, [(tri_vbo, "2f", "in_xy")]), tex,
                         ctx.framebuffer(color_attachments=[tex]))
            self._programs.append(prog)
            self._set(u_out_res=(float(half[0]), float(half[1])), u_blurred=5)
        self._ink_px = max(1.0, 1.5 * self.scale)
        x0, y0, x1, y1 = picture_rect(width, height, style.aspect)
        self._set(u_rect=(x0, height - y1, x1, height - y0), u_res=(float(width), float(height)),
                  u_color=3, u_depth=4, u_soft=style.soft * self.scale,
                  u_grain_px=max(1.0, 1.4 * self.scale), u_ink_px=self._ink_px)

    def _set(self, **values) -> None:
        for prog in self._programs:
            for k, v in values.items():
                if k in prog:  # the compiler drops uniforms a pass does not use
                    prog[k].value = v

    def draw(self, colour, depth, frame: int, near: float, far: float, focus: float,
             projection: np.ndarray) -> None:
        """Run the passes for ``frame``: ``focus`` is the distance in focus (metres) and
        ``projection`` the scene's, for the size of a pixel as an angle."""
        weave, seed = frame_jitter(frame, self.style.weave * self.scale)
        blur = self.style.dof * self.scale * float(np.clip(3.0 / max(focus, 1e-3), 0.35, 1.5))
        self._set(u_clip=(near, far), u_focus=focus, u_blur=blur, u_weave=weave, u_seed=seed,
                  u_ink_scale=float(projection[1, 1]) * self.height / (2.0 * self._ink_px))
        colour.use(3)
        depth.use(4)
        if self._dof is not None:
            _, vao, tex, fbo = self._dof
            fbo.use()
            vao.render()
            tex.use(5)
        self.fbo.use()
        self.vao.render()
