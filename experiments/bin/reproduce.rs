fn main() {
    nnlab_experiments::reproduce::main();
}
