//! A layered (Sugiyama-style) left-to-right layout of a directed graph with boxes of one
//! size: cycles broken by a depth-first search (back edges kept aside and drawn as arcs),
//! longest-path layering, dummy nodes on edges that span layers, barycentre ordering sweeps
//! to cut crossings, and a vertical placement that pulls each node towards its neighbours
//! while keeping the order.

/// Width of a node box.
pub const NODE_W: f64 = 196.0;
/// Height of a node box.
pub const NODE_H: f64 = 46.0;
/// Horizontal distance between layers (box edge to box edge): room for edge labels.
pub const LAYER_GAP: f64 = 74.0;
/// Vertical distance between boxes in one layer.
pub const ROW_GAP: f64 = 26.0;
/// Margin around the drawing.
pub const MARGIN: f64 = 20.0;
/// How far below the lower box a back-edge arc dips at most (see `svg::draw`).
pub const BACK_ROOM: f64 = 60.0;

/// The laid-out graph: a box per node and a polyline per edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Top-left corner of each node's box, by node index.
    pub nodes: Vec<(f64, f64)>,
    /// One route per input edge, in input order.
    pub edges: Vec<Route>,
    /// Size of the whole drawing.
    pub width: f64,
    pub height: f64,
}

/// How one edge is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Points from the source box's right side to the target box's left side.
    pub points: Vec<(f64, f64)>,
    /// A back edge (closes a cycle, or points to an earlier layer): drawn as an arc.
    pub back: bool,
}

/// Lays out `n` nodes and `edges` (from, to). `roots` are tried first as search starts, so
/// an entry node lands in the first layer. Self-loops are back edges.
pub fn layout(n: usize, edges: &[(usize, usize)], roots: &[usize]) -> Layout {
    let back = back_edges(n, edges, roots);
    let layer = layers(n, edges, &back);
    // Chains: every forward edge becomes a path through one dummy per skipped layer.
    let mut rank_of = layer.clone(); // rank of each (real or dummy) vertex
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    for (i, &(a, b)) in edges.iter().enumerate() {
        if back[i] || a >= n || b >= n {
            chains.push(Vec::new());
            continue;
        }
        let mut chain = vec![a];
        let mut prev = a;
        for r in layer[a] + 1..layer[b] {
            let d = rank_of.len();
            rank_of.push(r);
            succ.push(Vec::new());
            pred.push(Vec::new());
            succ[prev].push(d);
            pred[d].push(prev);
            chain.push(d);
            prev = d;
        }
        succ[prev].push(b);
        pred[b].push(prev);
        chain.push(b);
        chains.push(chain);
    }
    let total = rank_of.len();
    let ranks = rank_of.iter().copied().max().map_or(0, |m| m + 1);
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    // Initial order: depth-first from the roots, so a chain of actions starts straight.
    let mut seen = vec![false; total];
    let mut starts: Vec<usize> = roots.iter().copied().filter(|&r| r < n).collect();
    starts.extend(0..n);
    for s in starts {
        let mut stack = vec![s];
        while let Some(v) = stack.pop() {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            order[rank_of[v]].push(v);
            for &w in succ[v].iter().rev() {
                if !seen[w] {
                    stack.push(w);
                }
            }
        }
    }
    let mut pos = vec![0usize; total];
    let index = |order: &Vec<Vec<usize>>, pos: &mut Vec<usize>| {
        for row in order {
            for (i, &v) in row.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    index(&order, &mut pos);
    for sweep in 0..6 {
        let forward = sweep % 2 == 0;
        let rs: Vec<usize> = if forward {
            (1..ranks).collect()
        } else {
            (0..ranks.saturating_sub(1)).rev().collect()
        };
        for r in rs {
            let nbrs = if forward { &pred } else { &succ };
            let mut keyed: Vec<(f64, usize, usize)> = order[r]
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let ns = &nbrs[v];
                    let key = if ns.is_empty() {
                        i as f64
                    } else {
                        ns.iter().map(|&w| pos[w] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (key, i, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            order[r] = keyed.into_iter().map(|k| k.2).collect();
            for (i, &v) in order[r].iter().enumerate() {
                pos[v] = i;
            }
        }
    }
    // Vertical placement, left to right: each vertex wants the mean centre of its
    // predecessors; the order is kept by pushing down what would overlap.
    let slot = NODE_H + ROW_GAP;
    let mut y = vec![0.0f64; total];
    for row in &order {
        let mut floor = MARGIN;
        for &v in row {
            let want = if pred[v].is_empty() {
                floor
            } else {
                pred[v].iter().map(|&w| y[w]).sum::<f64>() / pred[v].len() as f64
            };
            y[v] = want.max(floor);
            // Dummies need less room than boxes.
            floor = y[v] + if v < n { slot } else { ROW_GAP };
        }
    }
    // Then right to left: a vertex with successors moves down towards their mean centre (a
    // chain leading to a wide fan-out lines up with its middle), never past the vertex below
    // it, so the order and the spacing hold. Bottom-up, so each vertex sees its neighbour's
    // final place.
    for row in order.iter().rev() {
        for i in (0..row.len()).rev() {
            let v = row[i];
            if succ[v].is_empty() {
                continue;
            }
            let want = succ[v].iter().map(|&w| y[w]).sum::<f64>() / succ[v].len() as f64;
            let ceiling = match row.get(i + 1) {
                Some(&below) => y[below] - if v < n { slot } else { ROW_GAP },
                None => f64::INFINITY,
            };
            if want > y[v] {
                y[v] = want.min(ceiling);
            }
        }
    }
    let x_of = |r: usize| MARGIN + r as f64 * (NODE_W + LAYER_GAP);
    let nodes: Vec<(f64, f64)> = (0..n).map(|v| (x_of(rank_of[v]), y[v])).collect();
    let mid = NODE_H / 2.0;
    let routes = edges
        .iter()
        .zip(&chains)
        .enumerate()
        .map(|(i, (&(a, b), chain))| {
            if back[i] || chain.is_empty() {
                let (ax, ay) = nodes.get(a).copied().unwrap_or((0.0, 0.0));
                let (bx, by) = nodes.get(b).copied().unwrap_or((0.0, 0.0));
                // Bottom centre to bottom centre: drawn as an arc below both boxes.
                return Route {
                    points: vec![
                        (ax + NODE_W / 2.0, ay + NODE_H),
                        (bx + NODE_W / 2.0, by + NODE_H),
                    ],
                    back: true,
                };
            }
            let mut points = Vec::with_capacity(chain.len() + 1);
            points.push((x_of(rank_of[a]) + NODE_W, y[a] + mid));
            for &d in &chain[1..chain.len() - 1] {
                let x = x_of(rank_of[d]);
                points.push((x, y[d] + mid));
                points.push((x + NODE_W, y[d] + mid));
            }
            points.push((x_of(rank_of[b]), y[b] + mid));
            Route {
                points,
                back: false,
            }
        })
        .collect();
    let width = x_of(ranks.max(1) - 1) + NODE_W + MARGIN;
    let height = y
        .iter()
        // A dummy's bend points sit at box mid-height: count it as a box, or an edge along
        // the bottom row is cut off.
        .map(|&yv| yv + NODE_H)
        .fold(0.0f64, f64::max)
        + MARGIN
        // Room for back-edge arcs below the bottom row.
        + if back.iter().any(|b| *b) { BACK_ROOM } else { 0.0 };
    Layout {
        nodes,
        edges: routes,
        width,
        height: height.max(NODE_H + 2.0 * MARGIN),
    }
}

/// Marks the edges a depth-first search from the roots (then from every unvisited node)
/// finds closing a cycle; without them the graph is acyclic.
fn back_edges(n: usize, edges: &[(usize, usize)], roots: &[usize]) -> Vec<bool> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if a < n && b < n {
            out_edges[a].push(i);
        }
    }
    let mut back = vec![false; edges.len()];
    // 0 unvisited, 1 on the stack, 2 done.
    let mut state = vec![0u8; n];
    let mut starts: Vec<usize> = roots.iter().copied().filter(|&r| r < n).collect();
    starts.extend(0..n);
    for s in starts {
        if state[s] != 0 {
            continue;
        }
        // Iterative DFS: (vertex, next outgoing edge to look at).
        let mut stack = vec![(s, 0usize)];
        state[s] = 1;
        while let Some(&mut (v, ref mut k)) = stack.last_mut() {
            if let Some(&e) = out_edges[v].get(*k) {
                *k += 1;
                let w = edges[e].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Longest-path layering over the forward edges: a node sits one layer right of its
/// furthest predecessor.
fn layers(n: usize, edges: &[(usize, usize)], back: &[bool]) -> Vec<usize> {
    let mut indeg = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, &(a, b)) in edges.iter().enumerate() {
        if !back[i] && a < n && b < n {
            indeg[b] += 1;
            out[a].push(b);
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            indeg[w] -= 1;
            if indeg[w] == 0 {
                ready.push(w);
            }
        }
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_runs_left_to_right_on_one_row() {
        let l = layout(3, &[(0, 1), (1, 2)], &[0]);
        assert!(l.nodes[0].0 < l.nodes[1].0 && l.nodes[1].0 < l.nodes[2].0);
        assert_eq!(l.nodes[0].1, l.nodes[2].1);
        assert!(l.edges.iter().all(|e| !e.back));
    }

    #[test]
    fn a_loop_is_a_back_edge_and_layers_stay_finite() {
        let l = layout(3, &[(0, 1), (1, 2), (2, 1)], &[0]);
        assert!(l.edges[2].back);
        assert!(!l.edges[0].back && !l.edges[1].back);
        assert!(l.nodes[2].0 > l.nodes[1].0);
    }

    #[test]
    fn a_long_edge_bends_through_the_layers_it_skips() {
        let l = layout(3, &[(0, 1), (1, 2), (0, 2)], &[0]);
        // Source side, one dummy (two points), target side.
        assert_eq!(l.edges[2].points.len(), 4);
    }

    #[test]
    fn boxes_in_one_layer_never_overlap() {
        let edges: Vec<(usize, usize)> = (1..8).map(|i| (0, i)).collect();
        let l = layout(8, &edges, &[0]);
        let mut ys: Vec<f64> = (1..8).map(|i| l.nodes[i].1).collect();
        ys.sort_by(f64::total_cmp);
        assert!(ys.windows(2).all(|w| w[1] - w[0] >= NODE_H));
    }

    #[test]
    fn every_edge_point_lies_inside_the_drawing() {
        // A long edge from the top row to the bottom one bends through dummies at the bottom.
        let edges = [
            (0, 1),
            (1, 2),
            (2, 3),
            (0, 4),
            (4, 3),
            (0, 5),
            (5, 6),
            (6, 3),
            (0, 3),
        ];
        let l = layout(7, &edges, &[0]);
        for r in &l.edges {
            for &(x, y) in &r.points {
                assert!(
                    x >= 0.0 && x <= l.width && y >= 0.0 && y <= l.height,
                    "{x},{y} outside {}x{}",
                    l.width,
                    l.height
                );
            }
        }
    }

    #[test]
    fn barycentre_ordering_uncrosses_two_pairs() {
        // 0→3 and 1→2 cross if layer 1 keeps input order; the sweep swaps them.
        let l = layout(4, &[(0, 3), (1, 2)], &[0, 1]);
        assert!((l.nodes[0].1 < l.nodes[1].1) == (l.nodes[3].1 < l.nodes[2].1));
    }
}
