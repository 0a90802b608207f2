/* ParkOS immersive map client: connection, state, canvas view and accessible text view.
   No build step. The server is authoritative: this file sends intents (move, say, status …) and
   draws what the server says. Frames: u32 JSON length, JSON array of events, then 10-byte records
   (op u8, id u32, x u16, y u16, direction u8) — op 1 moved, op 2 gone, op 3 already there
   (someone coming into view: drawn where they stand, not walked there). */
(function () {
  "use strict";
  var STEP_MS = 200;            // at most 5 moves a second
  var ZONE = 10;

  var I18N = {};  // filled from the page's configuration: English text -> the viewer's language
  function gettext(s) { return I18N[s] || s; }

  // --- the map's walls, for path finding on the client (the server checks again) -------------------
  function Grid(tiled) {
    this.w = tiled.width; this.h = tiled.height;
    this.solid = new Uint8Array(this.w * this.h);
    var solidGids = {};
    (tiled.tilesets || []).forEach(function (ts) {
      (ts.tiles || []).forEach(function (t) {
        (t.properties || []).forEach(function (p) {
          if (p.name === "collides" && p.value === true) solidGids[ts.firstgid + t.id] = true;
        });
      });
    });
    var self = this;
    (tiled.layers || []).forEach(function walk(layer) {
      if (layer.type === "group") { (layer.layers || []).forEach(walk); return; }
      if (layer.type !== "tilelayer") return;
      var collides = (layer.properties || []).some(function (p) { return p.name === "collides" && p.value === true; });
      layer.data.forEach(function (gid, i) {
        gid = gid & 0x0fffffff;
        if (gid && (collides || solidGids[gid])) self.solid[i] = 1;
      });
    });
  }
  Grid.prototype.free = function (x, y) {
    return x >= 0 && y >= 0 && x < this.w && y < this.h && !this.solid[y * this.w + x];
  };
  // Rooms this member may not enter (the page says which: the same rule the server checks every step
  // against). A tile belongs to the last area drawn over it, as on the server.
  Grid.prototype.lock = function (areas) {
    var owner = new Int32Array(this.w * this.h).fill(-1), self = this;
    areas.forEach(function (a) {
      for (var y = Math.max(0, a.y); y < Math.min(self.h, a.y + a.h); y++)
        for (var x = Math.max(0, a.x); x < Math.min(self.w, a.x + a.w); x++) owner[y * self.w + x] = a.i;
    });
    this.locked = new Uint8Array(this.w * this.h);
    for (var i = 0; i < owner.length; i++) if (owner[i] >= 0 && areas[owner[i]] && areas[owner[i]].locked) this.locked[i] = 1;
  };
  Grid.prototype.shut = function (x, y) { return !!(this.locked && this.free(x, y) && this.locked[y * this.w + x]); };
  Grid.prototype.open = function (x, y) { return this.free(x, y) && !this.shut(x, y); };
  Grid.prototype.path = function (sx, sy, tx, ty, limit) {
    // Breadth-first search over free tiles outside locked rooms, 8 directions; returns [[x, y], …]
    // without the start.
    if (!this.open(tx, ty)) return null;
    var w = this.w, prev = new Int32Array(this.w * this.h).fill(-1), start = sy * w + sx, goal = ty * w + tx;
    var queue = [start], head = 0; prev[start] = start;
    while (head < queue.length && head < (limit || 40000)) {
      var cur = queue[head++];
      if (cur === goal) break;
      var cx = cur % w, cy = (cur / w) | 0;
      for (var dy = -1; dy <= 1; dy++) for (var dx = -1; dx <= 1; dx++) {
        if (!dx && !dy) continue;
        var nx = cx + dx, ny = cy + dy, n = ny * w + nx;
        if (!this.open(nx, ny) || prev[n] !== -1) continue;
        if (dx && dy && (!this.open(cx + dx, cy) || !this.open(cx, cy + dy))) continue; // no corner cutting
        prev[n] = cur; queue.push(n);
      }
    }
    if (prev[goal] === -1) return null;
    var out = [], at = goal;
    while (at !== start) { out.push([at % w, (at / w) | 0]); at = prev[at]; }
    return out.reverse();
  };

  // --- connection and state -------------------------------------------------------------------------
  function Space(config, view) {
    this.config = config; this.view = view;
    this.people = {};         // id -> {id, name, ent, look, st, park, x, y, fx, fy, t0, a}: those in view
    // Cards of people seen before: the server sends someone it already introduced as a bare position
    // (op 3) when they come back into view, so their card must outlive their leaving the view.
    this.cards = {};
    this.bubble = null;       // {id, with} of my conversation bubble, when a media server tracks them
    this.me = null; this.myArea = -1;
    this.queue = []; this.timer = null; this.follow = null; this.retry = 0; this.closed = false;
    this.areas = config.areas || [];
    this.here = {};           // id -> line of everyone on the map ("who is here"), kept live by "here" events
    this.walk = null;         // a walk to a place: {place: area index or -1} while it lasts
  }
  Space.prototype.connect = function () {
    var self = this;
    fetch(this.config.ticketUrl, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status === 403 ? "banned" : "ticket");
      return r.json();
    }).then(function (data) {
      var ws = new WebSocket(self.config.ws);
      ws.binaryType = "arraybuffer";
      self.ws = ws;
      ws.onopen = function () {
        self.retry = 0; ws.send(JSON.stringify({ t: "hello", ticket: data.ticket }));
        ws.send(JSON.stringify({ t: "who" }));  // the list and its count at once, then kept live ("here")
        self.view.status("online");
      };
      ws.onmessage = function (e) { self.frame(e.data); };
      ws.onclose = function (e) {
        self.view.status(e.code === 4003 ? "banned" : e.code === 4000 ? "replaced" : "offline", e.code);
        if (self.closed || e.code === 4003 || e.code === 4000) return;
        var wait = Math.min(15000, 500 * Math.pow(2, self.retry++));
        setTimeout(function () { self.connect(); }, wait);
      };
    }).catch(function (err) {
      self.view.status(err.message === "banned" ? "banned" : "offline");
      if (err.message !== "banned") setTimeout(function () { self.connect(); }, Math.min(15000, 1000 * Math.pow(2, self.retry++)));
    });
  };
  Space.prototype.send = function (msg) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(msg));
  };
  Space.prototype.frame = function (buf) {
    var view = new DataView(buf), n = view.getUint32(0, true), now = performance.now();
    if (n) {
      var events = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
      for (var i = 0; i < events.length; i++) this.event(events[i]);
    }
    for (var off = 4 + n; off + 10 <= buf.byteLength; off += 10) {
      var op = view.getUint8(off), id = view.getUint32(off + 1, true);
      if (op === 2) { if (id !== this.me) delete this.people[id]; continue; }
      var p = this.people[id];
      if (!p && this.cards[id]) p = this.people[id] = this.cards[id];  // back in view: a card we have
      if (!p) continue;  // a card comes before the first position of anyone new
      var x = view.getUint16(off + 5, true), y = view.getUint16(off + 7, true);
      if (op === 3) { p.fx = x; p.fy = y; p.x = x; p.y = y; p.t0 = 0; continue; }
      p.fx = this.drawnX(p, now); p.fy = this.drawnY(p, now); p.x = x; p.y = y; p.t0 = now;
    }
    this.prune();
    this.view.changed();
  };
  Space.prototype.drawnX = function (p, now) { var k = Math.min(1, (now - p.t0) / STEP_MS); return p.fx + (p.x - p.fx) * k; };
  Space.prototype.drawnY = function (p, now) { var k = Math.min(1, (now - p.t0) / STEP_MS); return p.fy + (p.y - p.fy) * k; };
  Space.prototype.card = function (c) {
    var p = this.people[c.id] || this.cards[c.id] || {};
    p.id = c.id; p.name = c.name; p.ent = c.ent; p.look = c.look; p.st = c.st; p.a = c.a; p.park = !!c.park;
    if (p.x === undefined || Math.abs(p.x - c.x) + Math.abs(p.y - c.y) > 2) { p.fx = c.x; p.fy = c.y; p.t0 = 0; }
    p.x = c.x; p.y = c.y;
    this.people[c.id] = this.cards[c.id] = p;
  };
  Space.prototype.event = function (e) {
    switch (e.t) {
      case "you": this.me = e.id; this.card(e); this.myArea = e.a; this.view.area(e.a); break;
      case "seen": case "snap": for (var i = 0; i < e.list.length; i++) this.card(e.list[i]); break;
      case "gone": delete this.people[e.id]; delete this.cards[e.id]; break;  // blocked: forget them
      case "st": if (this.people[e.id]) this.people[e.id].st = e.st; break;
      case "area": this.myArea = e.a; if (this.people[this.me]) this.people[this.me].a = e.a; this.view.area(e.a); break;
      case "err":
        if (e.x !== undefined && this.people[this.me]) {  // refused: snap back to where the server has us
          var me = this.people[this.me]; me.x = me.fx = e.x; me.y = me.fy = e.y; this.queue = [];
          this.walkEnded("refused");
        }
        this.view.refused(e.code); break;
      case "say": this.view.said(e); break;
      case "announce": this.view.announce(e); break;
      case "who":
        this.here = {};
        for (var w = 0; w < e.list.length; w++) this.here[e.list[w].id] = e.list[w];
        this.view.who(e.list, e.areas, e.list.length); break;
      case "here":  // who came and went (the count always; the lines unless a crowd came at once)
        for (var j = 0; e.in && j < e.in.length; j++) this.here[e.in[j].id] = e.in[j];
        for (var k = 0; e.out && k < e.out.length; k++) delete this.here[e.out[k]];
        var lines = []; for (var h in this.here) lines.push(this.here[h]);
        this.view.who(lines, null, e.n); break;
      case "at": if (this.follow === e.id || this.goingTo === e.id) this.walkTo(e.x, e.y, true); break;
      case "lock": this.view.locked(e.on); break;
      case "muted": this.view.refused("muted"); break;
      case "bubble": this.bubble = e.id === null ? null : { id: e.id, with: e.with }; this.onBubble(e); break;
    }
  };
  /* The seam for voice and video (space/media.py). When a media server is configured, the map server
     sends {t: "bubble", id, with: [avatar ids], media: {…join information…}} whenever my bubble
     changes, and {t: "bubble", id: null, with: []} when I am in none any more. A media integration
     replaces this one function (window.ParkSpace.prototype.onBubble = function (e) { … }) to join the
     room in e.media and leave it when e.id is null. Without a provider there is no e.media: nothing. */
  Space.prototype.onBubble = function (e) {
    if (e.media && window.console) window.console.info("space: bubble", e.id, e.with, e.media);
  };
  Space.prototype.prune = function () {
    // Forget people outside the 3 × 3 zones around me: the server no longer tells us about them.
    var me = this.people[this.me]; if (!me) return;
    var zx = Math.floor(me.x / ZONE), zy = Math.floor(me.y / ZONE);
    for (var id in this.people) {
      var p = this.people[id];
      if (Math.abs(Math.floor(p.x / ZONE) - zx) > 1 || Math.abs(Math.floor(p.y / ZONE) - zy) > 1) delete this.people[id];
    }
  };
  // --- walking: one tile per step, at most five a second, the last one when stopping ---------------
  Space.prototype.step = function (dx, dy) {
    var me = this.people[this.me]; if (!me) return;
    var nx = me.x + dx, ny = me.y + dy;
    if (!this.grid.free(nx, ny)) return;
    if (this.grid.shut(nx, ny)) { this.view.refused("no_access"); return; }
    this.walkEnded("stopped");
    this.queue = [[nx, ny]]; this.pump();
  };
  Space.prototype.walkTo = function (tx, ty, near, place) {
    var me = this.people[this.me]; if (!me) return;
    if (!near && this.grid.shut(tx, ty)) { this.view.refused("no_access"); return; }
    if (this.walk) this.walkEnded("stopped");
    var path = this.grid.path(me.x, me.y, tx, ty);
    if (!path && near) {  // a person stands there: walk next to them
      for (var r = 1; r <= 2 && !path; r++) for (var d = 0; d < 8 && !path; d++) {
        var ox = [1, -1, 0, 0, 1, 1, -1, -1][d] * r, oy = [0, 0, 1, -1, 1, -1, 1, -1][d] * r;
        path = this.grid.path(me.x, me.y, tx + ox, ty + oy);
      }
    }
    if (near && path && path.length) path.pop();
    this.queue = path || [];
    if (place !== undefined && this.queue.length) { this.walk = { place: place, via: -2 }; this.progress(); }
    this.pump();
  };
  // Where a walk to a place is: the place, the area it passes through, the steps left (the text view
  // says it; the canvas shows it by walking).
  Space.prototype.progress = function () {
    var w = this.walk, me = this.people[this.me]; if (!w || !me || !this.view.walking) return;
    var via = this.areaAt(me.x, me.y);
    this.view.walking({ place: w.place, via: via !== w.place ? via : -1, left: this.queue.length, changed: via !== w.via });
    w.via = via;
  };
  Space.prototype.walkEnded = function (how) {
    var w = this.walk; if (!w) return;
    this.walk = null;
    if (this.view.walked) this.view.walked(w.place, how);
  };
  Space.prototype.stop = function () {
    this.queue = []; this.follow = null; this.goingTo = null;
    clearInterval(this.timer); this.timer = null;
    this.walkEnded("stopped");
  };
  Space.prototype.pump = function () {
    if (this.timer || !this.queue.length) return;
    var self = this;
    var tick = function () {
      var next = self.queue.shift();
      if (!next) { clearInterval(self.timer); self.timer = null; self.walkEnded("arrived"); return; }
      var me = self.people[self.me]; if (!me) return;
      var now = performance.now();
      me.fx = self.drawnX(me, now); me.fy = self.drawnY(me, now); me.x = next[0]; me.y = next[1]; me.t0 = now;
      self.send({ t: "mv", x: next[0], y: next[1], d: 0 });
      self.progress();
      self.view.changed();
    };
    tick();
    this.timer = setInterval(tick, STEP_MS);
  };
  Space.prototype.areaAt = function (x, y) {
    var found = -1;
    this.areas.forEach(function (a) { if (x >= a.x && x < a.x + a.w && y >= a.y && y < a.y + a.h) found = a.i; });
    return found;
  };
  Space.prototype.goToArea = function (i) {
    var a = this.areas[i]; if (!a) return;
    if (a.locked) { this.view.refused("no_access"); return; }  // refused before a single step
    // The nearest free tile inside the area (its doorway side first).
    for (var r = 0; r < Math.max(a.w, a.h); r++) {
      for (var y = a.y + a.h - 1 - r; y >= a.y; y--) for (var x = a.x; x < a.x + a.w; x++) {
        if (this.grid.open(x, y)) { this.walkTo(x, y, false, i); return; }
      }
    }
  };

  // --- the canvas view ------------------------------------------------------------------------------
  var LOOKS = ["#e4572e", "#17bebb", "#ffc914", "#2e282a", "#76b041", "#8e6c8a", "#3f88c5", "#d1495b"];
  var STATUS_COLOURS = { available: "#2a9d3f", busy: "#e9a100", dnd: "#c0392b", away: "#9aa0a6", meeting: "#6c5ce7" };

  // Name labels that never overlap. In priority order (me first, then the nearest to me) each label takes
  // the first free slot of: below its avatar, above it, one line further below, one further above. A label
  // that finds none is left out, and counted in a "+n" bubble beside the label of the nearest person
  // shown (when that bubble has room). items: {id, x, y (the avatar's centre), r (its radius), w, h}; bubble(n)
  // gives a bubble's width. Returns the boxes drawn: {id, x, y, w, h, more} (more: the bubble's count).
  var MAX_LABELS = 60;
  function layoutLabels(items, bubble) {
    var placed = [], hidden = [];
    var free = function (b) {
      for (var i = 0; i < placed.length; i++) {
        var o = placed[i];
        if (b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h) return false;
      }
      return true;
    };
    items.forEach(function (it) {
      if (placed.length >= MAX_LABELS) { hidden.push(it); return; }  // a crowd: the nearest are named
      var below = it.y + it.r + 2, above = it.y - it.r - 2 - it.h;
      var slots = [below, above, below + it.h + 2, above - it.h - 2];
      for (var i = 0; i < slots.length; i++) {
        var box = { id: it.id, x: it.x - it.w / 2, y: slots[i], w: it.w, h: it.h, ax: it.x, ay: it.y };
        if (free(box)) { placed.push(box); return; }
      }
      hidden.push(it);
    });
    var counts = {};
    hidden.forEach(function (it) {
      var best = null, bestD = Infinity;
      placed.forEach(function (b) {
        if (b.bubble) return;
        var d = Math.abs(b.ax - it.x) + Math.abs(b.ay - it.y); if (d < bestD) { bestD = d; best = b; }
      });
      if (best && bestD <= 4 * it.h) counts[best.id] = (counts[best.id] || 0) + 1;
    });
    placed.slice().forEach(function (b) {
      var n = counts[b.id]; if (!n) return;
      var w = bubble(n), sides = [b.x + b.w + 2, b.x - w - 2];
      for (var i = 0; i < sides.length; i++) {
        var box = { id: b.id, x: sides[i], y: b.y, w: w, h: b.h, bubble: true, more: n };
        if (free(box)) { placed.push(box); return; }
      }
    });
    return placed;
  }

  function CanvasView(root, config) {
    this.root = root; this.config = config;
    this.labels = [];
    this.chatbox = root.querySelector(".space-chatbox");
    this.canvas = root.querySelector("canvas.space-canvas");
    this.ctx = this.canvas.getContext("2d");
    this.minimap = root.querySelector("canvas.space-minimap");
    this.dirty = true; this.counts = {};
  }
  CanvasView.prototype.start = function (space, tiled, image) {
    var self = this; this.space = space; this.tiled = tiled; this.image = image;
    var size = tiled.tilewidth; this.size = size;
    // Pre-render every tile layer once into one big canvas.
    var bg = document.createElement("canvas"); bg.width = tiled.width * size; bg.height = tiled.height * size;
    var g = bg.getContext("2d"), ts = tiled.tilesets[0], cols = ts.columns || 8;
    tiled.layers.forEach(function (layer) {
      if (layer.type !== "tilelayer") return;
      layer.data.forEach(function (gid, i) {
        gid &= 0x0fffffff; if (!gid) return;
        var t = gid - ts.firstgid;
        g.drawImage(image, (t % cols) * size, Math.floor(t / cols) * size, size, size,
          (i % tiled.width) * size, Math.floor(i / tiled.width) * size, size, size);
      });
    });
    g.font = "bold 14px sans-serif"; g.fillStyle = "rgba(20,20,30,.75)"; g.textAlign = "center";
    space.areas.forEach(function (a) {
      if (a.kind === "plaza") return;
      g.fillText(a.name, (a.x + a.w / 2) * size, (a.y + 0.8) * size);
    });
    this.bg = bg;
    // Meeting rooms that stand for bookable rooms: booked now or free, asked again every minute.
    this.rooms = {};
    var roomsUrl = this.config.ticketUrl.replace("ticket/", "rooms.json");
    var loadRooms = function () {
      fetch(roomsUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { self.rooms = data.rooms || {}; self.dirty = true; } }).catch(function () {});
    };
    loadRooms(); setInterval(loadRooms, 60000);
    var resize = function () {
      var rect = self.canvas.getBoundingClientRect(), ratio = window.devicePixelRatio || 1;
      self.canvas.width = rect.width * ratio; self.canvas.height = rect.height * ratio;
      self.ctx.setTransform(ratio, 0, 0, ratio, 0, 0); self.dirty = true;
    };
    window.addEventListener("resize", resize); resize();
    this.bindInput();
    var loop = function () { self.draw(); requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
  };
  CanvasView.prototype.bindInput = function () {
    var self = this, space = this.space, keys = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0],
      w: [0, -1], s: [0, 1], a: [-1, 0], d: [1, 0] }, held = null, repeat = null;
    this.canvas.addEventListener("keydown", function (e) {
      var k = keys[e.key]; if (!k) return;
      e.preventDefault(); if (held === e.key) return;
      held = e.key; space.follow = null; space.step(k[0], k[1]);
      clearInterval(repeat); repeat = setInterval(function () { space.step(k[0], k[1]); }, STEP_MS);
    });
    this.canvas.addEventListener("keyup", function (e) { if (e.key === held) { held = null; clearInterval(repeat); } });
    this.canvas.addEventListener("blur", function () { held = null; clearInterval(repeat); });
    this.canvas.addEventListener("click", function (e) {
      var t = self.toTile(e.clientX, e.clientY); space.follow = null; space.walkTo(t[0], t[1]);
    });
    // A virtual joystick for touch screens: drag from where the finger lands.
    var origin = null, stick = null;
    this.canvas.addEventListener("touchstart", function (e) {
      var t = e.touches[0]; origin = [t.clientX, t.clientY]; e.preventDefault();
      clearInterval(stick);
      stick = setInterval(function () { if (self.joy) space.step(self.joy[0], self.joy[1]); }, STEP_MS);
    }, { passive: false });
    this.canvas.addEventListener("touchmove", function (e) {
      if (!origin) return; var t = e.touches[0], dx = t.clientX - origin[0], dy = t.clientY - origin[1];
      self.joy = Math.hypot(dx, dy) < 16 ? null : [Math.abs(dx) > 12 ? Math.sign(dx) : 0, Math.abs(dy) > 12 ? Math.sign(dy) : 0];
      self.joyAt = [origin, [t.clientX, t.clientY]]; e.preventDefault();
    }, { passive: false });
    var end = function (e) {
      if (origin && !self.joy && e.changedTouches) {  // a tap: walk there
        var t = self.toTile(origin[0], origin[1]); space.walkTo(t[0], t[1]);
      }
      origin = null; self.joy = null; self.joyAt = null; clearInterval(stick);
    };
    this.canvas.addEventListener("touchend", end); this.canvas.addEventListener("touchcancel", end);
  };
  CanvasView.prototype.camera = function () {
    var me = this.space.people[this.space.me], now = performance.now(), rect = this.canvas.getBoundingClientRect();
    var cx = me ? (this.space.drawnX(me, now) + 0.5) * this.size : 0, cy = me ? (this.space.drawnY(me, now) + 0.5) * this.size : 0;
    // On a phone the chat lies over the lower part of the map: centre me in the part still in sight.
    var height = rect.height, box = this.chatbox && this.chatbox.getBoundingClientRect();
    if (box && box.height && box.left < rect.right && box.right > rect.left && box.top < rect.bottom && box.bottom > rect.top) {
      height = Math.max(rect.height * 0.3, box.top - rect.top);
    }
    return [Math.round(cx - rect.width / 2), Math.round(cy - height / 2), rect];
  };
  CanvasView.prototype.toTile = function (clientX, clientY) {
    var cam = this.camera(), rect = cam[2];
    return [Math.floor((clientX - rect.left + cam[0]) / this.size), Math.floor((clientY - rect.top + cam[1]) / this.size)];
  };
  CanvasView.prototype.draw = function () {
    if (!this.bg) return;
    var ctx = this.ctx, cam = this.camera(), rect = cam[2], now = performance.now(), size = this.size, space = this.space;
    ctx.fillStyle = "#3b4a3b"; ctx.fillRect(0, 0, rect.width, rect.height);
    ctx.drawImage(this.bg, -cam[0], -cam[1]);
    ctx.font = "12px sans-serif"; ctx.textAlign = "center";
    var items = [], me = space.people[space.me], mx = me ? space.drawnX(me, now) : 0, my = me ? space.drawnY(me, now) : 0;
    for (var id in space.people) {
      var p = space.people[id], x = (space.drawnX(p, now) + 0.5) * size - cam[0], y = (space.drawnY(p, now) + 0.5) * size - cam[1];
      ctx.beginPath(); ctx.arc(x, y, size * 0.38, 0, Math.PI * 2);
      ctx.fillStyle = LOOKS[(+p.look || 0) % LOOKS.length]; ctx.fill();
      ctx.lineWidth = +id === space.me ? 3 : 1.5; ctx.strokeStyle = +id === space.me ? "#fff" : "rgba(0,0,0,.5)"; ctx.stroke();
      ctx.beginPath(); ctx.arc(x + size * 0.28, y - size * 0.28, 4, 0, Math.PI * 2);
      ctx.fillStyle = STATUS_COLOURS[p.st] || "#999"; ctx.fill();
      if (p.park) {  // physically in the park today (with their consent): a small pin, top left
        ctx.beginPath(); ctx.moveTo(x - size * 0.3, y - size * 0.12); ctx.arc(x - size * 0.3, y - size * 0.32, 5, Math.PI * 0.75, Math.PI * 2.25);
        ctx.closePath(); ctx.fillStyle = "#1a73e8"; ctx.fill(); ctx.lineWidth = 1.5; ctx.strokeStyle = "#fff"; ctx.stroke();
      }
      var label = p.name + (p.ent ? " · " + p.ent : "");
      if (x < -200 || y < -40 || x > rect.width + 200 || y > rect.height + 40) continue;  // out of sight
      items.push({ id: +id, text: label, x: x, y: y, r: size * 0.38, w: ctx.measureText(label).width + 8, h: 16,
        d: +id === space.me ? -1 : Math.abs(space.drawnX(p, now) - mx) + Math.abs(space.drawnY(p, now) - my) });
    }
    items.sort(function (a, b) { return a.d - b.d || a.id - b.id; });
    var texts = {}; items.forEach(function (it) { texts[it.id] = it.text; });
    this.labels = layoutLabels(items, function (n) { return ctx.measureText("+" + n).width + 10; });
    this.labels.forEach(function (b) {
      ctx.fillStyle = b.bubble ? "rgba(26,115,232,.92)" : "rgba(255,255,255,.85)";
      ctx.fillRect(b.x, b.y, b.w, b.h);
      ctx.fillStyle = b.bubble ? "#fff" : "#222";
      ctx.fillText(b.bubble ? "+" + b.more : texts[b.id], b.x + b.w / 2, b.y + 12);
    });
    var rooms = this.rooms || {};
    ctx.font = "bold 12px sans-serif";
    space.areas.forEach(function (a) {
      var r = rooms[String(a.i)]; if (!r) return;
      var text = r.booked ? gettext("Booked until {time}").replace("{time}", r.until) : gettext("Free now");
      var x = (a.x + a.w / 2) * size - cam[0], y = (a.y + 1.4) * size - cam[1], w = ctx.measureText(text).width + 10;
      ctx.fillStyle = r.booked ? "rgba(196,65,30,.9)" : "rgba(11,122,92,.9)"; ctx.fillRect(x - w / 2, y - 12, w, 17);
      ctx.fillStyle = "#fff"; ctx.fillText(text, x, y);
    });
    if (this.joyAt) {
      ctx.strokeStyle = "rgba(255,255,255,.7)"; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.arc(this.joyAt[0][0] - rect.left, this.joyAt[0][1] - rect.top, 36, 0, Math.PI * 2); ctx.stroke();
      ctx.beginPath(); ctx.arc(this.joyAt[1][0] - rect.left, this.joyAt[1][1] - rect.top, 14, 0, Math.PI * 2); ctx.stroke();
    }
    if (this.dirty) { this.drawMinimap(); this.dirty = false; }
  };
  CanvasView.prototype.drawMinimap = function () {
    var m = this.minimap; if (!m || !this.tiled) return;
    var g = m.getContext("2d"), sx = m.width / this.tiled.width, sy = m.height / this.tiled.height, counts = this.counts;
    g.drawImage(this.bg, 0, 0, m.width, m.height);
    g.font = "bold 11px sans-serif"; g.textAlign = "center";
    this.space.areas.forEach(function (a) {
      var n = counts[a.i] || 0; if (!n) return;
      g.fillStyle = "rgba(20,80,160,.85)"; g.beginPath();
      g.arc((a.x + a.w / 2) * sx, (a.y + a.h / 2) * sy, 9, 0, Math.PI * 2); g.fill();
      g.fillStyle = "#fff"; g.fillText(String(n), (a.x + a.w / 2) * sx, (a.y + a.h / 2) * sy + 4);
    });
    var me = this.space.people[this.space.me];
    if (me) { g.fillStyle = "#fff"; g.fillRect(me.x * sx - 2, me.y * sy - 2, 5, 5); }
  };

  // --- panels shared by both views (chat, who is here, area card, status) ----------------------------
  function Panels(root, config) { this.root = root; this.config = config; }
  Panels.prototype.q = function (sel) { return this.root.querySelector(sel); };
  Panels.prototype.bind = function (space) {
    var self = this; this.space = space;
    var form = this.q("form.space-say");
    if (form) form.addEventListener("submit", function (e) {
      e.preventDefault(); var input = form.querySelector("input[name=text]"), text = input.value.trim();
      if (!text) return;
      space.send({ t: "say", text: text, scope: form.querySelector("select[name=scope]").value }); input.value = "";
    });
    var status = this.q("select.space-status");
    if (status) status.addEventListener("change", function () { space.send({ t: "st", st: status.value }); });
    var lock = this.q("button.space-lock");
    if (lock) lock.addEventListener("click", function () { space.send({ t: "lock", on: lock.getAttribute("aria-pressed") !== "true" }); });
    var announce = this.q("form.space-announce");
    if (announce) announce.addEventListener("submit", function (e) {
      e.preventDefault(); var input = announce.querySelector("input"), text = input.value.trim();
      if (text) space.send({ t: "mod", action: "announce", text: text }); input.value = "";
    });
    var who = this.q("button.space-who");
    if (who) who.addEventListener("click", function () { space.send({ t: "who" }); });
    // Joins and leaves arrive as they happen ("here"); areas and statuses are asked for now and then.
    setInterval(function () { if (!document.hidden) space.send({ t: "who" }); }, 10000);
    this.bindChat();
  };
  // The conversation on a phone: a bar over the foot of the map (the latest line, how many are unread);
  // tapped, a sheet over the lower part of the map, which stays in sight and walkable above it.
  Panels.prototype.bindChat = function () {
    var self = this, box = this.q(".space-chatbox"); if (!box) return;
    this.unread = 0;
    box.querySelector(".space-chat-bar").addEventListener("click", function () { self.openChat(box.dataset.open !== "true"); });
  };
  Panels.prototype.openChat = function (open) {
    var box = this.q(".space-chatbox"); if (!box) return;
    box.dataset.open = open ? "true" : "false";
    box.querySelector(".space-chat-bar").setAttribute("aria-expanded", open ? "true" : "false");
    // Closed, the bar reads out the latest line; open, the conversation itself does (never both).
    box.querySelector(".space-chat-latest").setAttribute("aria-live", open ? "off" : "polite");
    if (open) {
      this.unread = 0; this.showUnread();
      var chat = box.querySelector(".space-chat"); chat.scrollTop = chat.scrollHeight;
    }
    if (this.view) this.view.dirty = true;
  };
  Panels.prototype.showUnread = function () {
    var badge = this.q(".space-chat-unread"); if (!badge) return;
    badge.hidden = !this.unread;
    badge.textContent = gettext("{n} new").replace("{n}", this.unread > 99 ? "99+" : String(this.unread));
  };
  Panels.prototype.status = function (state, code) {
    var el = this.q(".space-connection"); if (!el) return;
    el.dataset.state = state;
    el.textContent = state === "banned" ? gettext("An operator has banned you from this map.")
      : state === "replaced" || code === 4000 ? gettext("You opened the map in another tab.")
      : gettext("connection:" + state);
  };
  Panels.prototype.log = function (html, cls) {
    var box = this.q(".space-chat"); if (!box) return;
    var li = document.createElement("li"); li.className = cls || ""; li.textContent = html;
    box.appendChild(li); while (box.children.length > 100) box.removeChild(box.firstChild);
    box.scrollTop = box.scrollHeight;
    var latest = this.q(".space-chat-latest"), sheet = this.q(".space-chatbox");
    if (latest) latest.textContent = html;
    if (sheet && sheet.dataset.open !== "true" && (cls === "said" || cls === "announce")) { this.unread++; this.showUnread(); }
  };
  Panels.prototype.said = function (e) { this.log(e.name + (e.scope === "room" ? " ⌂ " : "：") + e.text, "said"); };
  Panels.prototype.announce = function (e) { this.log("📢 " + e.by + "：" + e.text, "announce"); };
  Panels.prototype.refused = function (code) {
    var messages = { wall: null, full: gettext("This room is full."), no_access: gettext("You may not enter this room."),
      alone: gettext("Nobody is near enough to hear you. Walk up to someone, or talk to the room."),
      no_room: gettext("You are not in a room."), too_fast: gettext("Slow down: too many messages."),
      too_long: gettext("That message is too long."),
      control_chars: gettext("That message holds characters that cannot be sent."), muted: gettext("An operator has muted you."),
      not_found: gettext("That person is not on the map or does not want to be found.") };
    // Walking into a wall or a locked room again and again says so once, not at every step.
    var now = Date.now();
    if (this.lastRefused && this.lastRefused[0] === code && now - this.lastRefused[1] < 2000) return;
    this.lastRefused = [code, now];
    if (messages[code]) this.log(messages[code], "refused");
  };
  Panels.prototype.locked = function (on) {
    var lock = this.q("button.space-lock"); if (lock) lock.setAttribute("aria-pressed", on ? "true" : "false");
    this.log(on ? gettext("Your bubble is locked: nobody else can join.") : gettext("Your bubble is open again."), "info");
  };
  Panels.prototype.area = function (i) {
    var box = this.q(".space-area"); if (!box) return;
    if (i < 0) { box.innerHTML = ""; return; }
    fetch(this.config.areaUrl + i + "/", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; });
  };
  Panels.prototype.who = function (list, counts, n) {
    var self = this, space = this.space, ul = this.q(".space-people"); if (!ul) return;
    if (this.view && counts) { this.view.counts = counts; this.view.dirty = true; }
    var areaName = function (i) { var a = space.areas[i]; return a ? a.name : gettext("outdoors"); };
    // The list is redrawn every few seconds: keep the keyboard focus on the same button.
    var focused = document.activeElement, keep = focused && ul.contains(focused) && focused.dataset.action
      ? [focused.closest("li").dataset.id, focused.dataset.action] : null;
    ul.innerHTML = "";
    list.sort(function (a, b) { return a.name.localeCompare(b.name); }).forEach(function (p) {
      var li = document.createElement("li"); li.dataset.id = p.id;
      var label = document.createElement("span");
      label.textContent = p.name + (p.ent ? " · " + p.ent : "") + " — " + areaName(p.a) + " (" + gettext(p.st) + ")" +
        (p.park ? " · " + gettext("in the park today") : "");
      li.appendChild(label);
      if (p.id !== space.me) {
        var actions = [["go", gettext("Go to")], ["follow", gettext("Follow")], ["block", gettext("Block")], ["report", gettext("Report")]];
        if (self.config.moderator) actions = actions.concat([["mute", gettext("Mute")], ["remove", gettext("Remove")], ["ban", gettext("Ban")]]);
        actions.forEach(function (b) {
          var btn = document.createElement("button"); btn.type = "button"; btn.className = "btn btn-small"; btn.textContent = b[1];
          btn.dataset.action = b[0]; btn.dataset.testid = "space-" + b[0];
          btn.setAttribute("aria-label", b[1] + " " + p.name);
          btn.addEventListener("click", function () { self.act(b[0], p, btn); });
          li.appendChild(btn);
        });
      }
      ul.appendChild(li);
    });
    if (keep) {
      var again = ul.querySelector("li[data-id='" + keep[0] + "'] button[data-action='" + keep[1] + "']");
      if (again) again.focus();
    }
    var count = this.q(".space-count"); if (count) count.textContent = String(n === undefined || n === null ? list.length : n);
  };
  Panels.prototype.act = function (what, p, button) {
    var space = this.space;
    if (what === "report") { this.report(p, button); return; }
    if (what === "go") { space.goingTo = p.id; space.follow = null; space.send({ t: "locate", id: p.id }); }
    if (what === "follow") {
      space.follow = p.id; space.send({ t: "locate", id: p.id });
      clearInterval(space.followTimer);
      space.followTimer = setInterval(function () { if (space.follow === p.id) space.send({ t: "locate", id: p.id }); else clearInterval(space.followTimer); }, 1500);
    }
    if ((what === "mute" || what === "remove" || what === "ban") &&
        (what === "mute" || window.confirm(gettext("Remove this person from the map?")))) {
      space.send({ t: "mod", action: what, id: p.id });
      this.log(gettext("Done:") + " " + p.name, "info");
    }
    if (what === "block" && window.confirm(gettext("Block this person? Neither of you will see or hear the other."))) {
      var body = new FormData(); body.append("user", p.id);
      body.append("csrfmiddlewaretoken", (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "");
      fetch("/space/block/", { method: "POST", body: body, credentials: "same-origin" });
      space.send({ t: "block", id: p.id });
    }
  };

  // The report form (space/_report.html): a modal dialog, so focus stays inside it until it closes and
  // Escape cancels; focus goes back to the button that opened it.
  Panels.prototype.report = function (p, opener) {
    var self = this, dialog = this.q("dialog.space-report"); if (!dialog) return;
    var form = dialog.querySelector("form"), error = dialog.querySelector(".space-report-error");
    form.reset(); error.hidden = true; error.textContent = "";
    form.elements.user.value = p.id;
    form.elements.area.value = p.a >= 0 ? p.a : "";
    dialog.querySelector("#space-report-title").textContent = gettext("Report {name}").replace("{name}", p.name);
    var back = function () {
      var again = opener && document.body.contains(opener) ? opener
        : self.root.querySelector(".space-people li[data-id='" + p.id + "'] button[data-action='report']");
      if (again) again.focus();
    };
    form.onsubmit = function (e) {
      e.preventDefault();
      var body = new FormData(form);
      body.append("csrfmiddlewaretoken", (self.root.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "");
      fetch(self.config.reportUrl, { method: "POST", body: body, credentials: "same-origin" }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) { return [r.ok, data]; });
      }).then(function (res) {
        if (res[0] && res[1].ok) {
          dialog.close(); self.log(gettext("Thank you: your report went to the park's moderators."), "info"); back();
          return;
        }
        error.textContent = res[1].message || gettext("The report could not be sent. Try again."); error.hidden = false;
        var field = res[1].details && Object.keys(res[1].details)[0];
        (form.elements[field] && form.elements[field].type !== "hidden" ? form.elements[field] : form.elements.reason).focus();
      }).catch(function () {
        error.textContent = gettext("The report could not be sent. Try again."); error.hidden = false;
      });
    };
    dialog.querySelector(".space-report-cancel").onclick = function () { dialog.close(); back(); };
    dialog.oncancel = function () { setTimeout(back, 0); };  // Escape
    dialog.showModal();
    form.elements.reason.focus();
  };

  // --- the accessible text view: the same state as plain HTML and buttons ---------------------------
  function TextView(root, config, panels) { this.root = root; this.config = config; this.panels = panels; }
  TextView.prototype.changed = function () {
    var self = this; clearTimeout(this.t); this.t = setTimeout(function () { self.render(); }, 300);
  };
  TextView.prototype.render = function () {
    var space = this.space, me = space.people[space.me]; if (!me) return;
    var here = this.root.querySelector(".space-here"), a = space.areas[space.myArea];
    here.textContent = (a ? a.name : gettext("Outdoors")) + " (" + me.x + ", " + me.y + ")";
    var near = this.root.querySelector(".space-near"), items = [];
    for (var id in space.people) {
      var p = space.people[id]; if (+id === space.me) continue;
      items.push([Math.max(Math.abs(p.x - me.x), Math.abs(p.y - me.y)), p]);
    }
    items.sort(function (x, y) { return x[0] - y[0]; });
    near.innerHTML = "";
    if (!items.length) { var li = document.createElement("li"); li.textContent = gettext("Nobody is near you."); near.appendChild(li); }
    items.slice(0, 30).forEach(function (it) {
      var li = document.createElement("li");
      li.textContent = it[1].name + (it[1].ent ? " · " + it[1].ent : "") + " — " + it[0] + " " + gettext("steps away") +
        (it[0] <= 3 ? " · " + gettext("can hear you") : "") + (it[1].park ? " · " + gettext("in the park today") : "");
      near.appendChild(li);
    });
  };
  // A walk to a place, as it goes: "Walking to B座会议室 · passing 中庭 · 12 steps to go", shown at every
  // step; a screen reader hears it when the walk starts, when it enters another area, and when it ends.
  TextView.prototype.walking = function (w) {
    var space = this.space, box = this.root.querySelector(".space-walk"); if (!box) return;
    var name = function (i) { var a = space.areas[i]; return a ? a.name : ""; };
    var parts = [gettext("Walking to {place}").replace("{place}", name(w.place))];
    if (w.via >= 0 && name(w.via)) parts.push(gettext("passing {place}").replace("{place}", name(w.via)));
    parts.push(w.left === 1 ? gettext("1 step to go") : gettext("{n} steps to go").replace("{n}", w.left));
    box.hidden = false;
    box.querySelector(".space-stop").hidden = false;
    box.querySelector(".space-progress").textContent = parts.join(" · ");
    if (w.changed) this.say(parts.join(" · "));
  };
  TextView.prototype.walked = function (place, how) {
    var box = this.root.querySelector(".space-walk"); if (!box) return;
    var a = this.space.areas[place], text = how === "arrived" && a ? gettext("Arrived at {place}").replace("{place}", a.name)
      : how === "stopped" ? gettext("Stopped.") : "";
    var stop = box.querySelector(".space-stop"), progress = box.querySelector(".space-progress");
    progress.textContent = text; box.hidden = !text;
    if (document.activeElement === stop) { progress.tabIndex = -1; progress.focus(); }  // keep the focus on the page
    stop.hidden = true;
    if (text) this.say(text);
  };
  TextView.prototype.say = function (text) {
    var live = this.root.querySelector(".space-walk-said"); if (live) live.textContent = text;
  };
  TextView.prototype.bind = function (space) {
    var self = this; this.space = space;
    this.root.querySelectorAll("button[data-area]").forEach(function (b) {
      b.addEventListener("click", function () { space.goToArea(+b.dataset.area); });
    });
    var stop = this.root.querySelector(".space-stop");
    if (stop) stop.addEventListener("click", function () { space.stop(); });
    this.root.querySelectorAll("button[data-step]").forEach(function (b) {
      b.addEventListener("click", function () { var d = b.dataset.step.split(","); space.step(+d[0], +d[1]); });
    });
  };

  function start(root) {
    var config = JSON.parse(root.querySelector("#space-config").textContent);
    I18N = config.i18n || {};
    var panels = new Panels(root, config), text = root.classList.contains("space-text");
    var view = text ? new TextView(root, config, panels) : new CanvasView(root, config);
    var proxy = {  // events go to the view and the panels
      changed: function () { if (view.changed) view.changed(); if (view.dirty !== undefined) view.dirty = true; },
      status: function (s, c) { panels.status(s, c); }, said: function (e) { panels.said(e); },
      announce: function (e) { panels.announce(e); }, refused: function (c) { panels.refused(c); },
      locked: function (o) { panels.locked(o); }, area: function (i) { panels.area(i); if (view.changed) view.changed(); },
      who: function (l, c, n) { panels.who(l, c, n); },
      walking: view.walking ? function (w) { view.walking(w); } : null,
      walked: view.walked ? function (p, h) { view.walked(p, h); } : null
    };
    panels.view = text ? null : view;
    var space = new Space(config, proxy);
    window.parkSpace = space; window.parkSpaceView = view;
    fetch(config.tiled || (config.ticketUrl.replace("ticket/", "map.json")), { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(function (tiled) {
        space.grid = new Grid(tiled);
        space.grid.lock(space.areas);
        panels.bind(space);
        if (text) { view.bind(space); space.connect(); return; }
        var image = new Image();
        image.onload = function () { view.start(space, tiled, image); space.connect(); };
        image.src = config.tileset;
      });
  }
  // A first-use hint for the touch joystick, shown until dismissed (remembered in localStorage).
  function hint(root) {
    var el = root.querySelector(".space-hint"), key = "parkos.space.hint";
    if (!el) return;
    try { if (localStorage.getItem(key)) return; } catch (e) { /* storage blocked: show the hint */ }
    el.hidden = false;
    el.querySelector(".space-hint-close").addEventListener("click", function () {
      el.hidden = true;
      try { localStorage.setItem(key, "1"); } catch (e) { /* storage blocked: hide for this page only */ }
    });
  }
  document.querySelectorAll(".space-root").forEach(hint);
  document.querySelectorAll(".space-root").forEach(start);
  window.ParkSpace = Space;  // for a media integration to replace Space.prototype.onBubble
  window.ParkSpaceInternals = { Grid: Grid, layoutLabels: layoutLabels };
})();
